// Simulator logins: client credentials, user login with refresh by cookie, expiry, one token per client, error bodies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { call, SimHarness } from '../helpers/pbx-http.ts';

describe('simulator authentication', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await SimHarness.start({ tokenTtlSeconds: 120 });
  });
  after(() => sim.stop());

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  it('issues an ES256 JWT with exp for client credentials', async () => {
    const answer = await call(
      `${sim.url}/connect/token`,
      form({ client_id: 'simulator', client_secret: 'simulator-secret', grant_type: 'client_credentials' }),
    );
    assert.equal(answer.status, 200);
    const body = answer.json<{
      token_type: string;
      expires_in: number;
      access_token: string;
      refresh_token: null;
    }>();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.refresh_token, null);
    assert.equal(body.expires_in, 60, 'expires_in is sent as 3CX sends it, whatever the real lifetime');
    assert.ok(body.access_token.startsWith('eyJhbGciOiJFUzI1NiIs'));
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.sub, 'simulator');
    assert.equal(claims.exp! - claims.iat!, 120);
    sim.token = body.access_token;
    assert.equal((await sim.xapi('Defs?$select=Id')).status, 200);
  });

  it('accepts the multipart form 3CX’s own sample sends', async () => {
    const boundary = 'XyZ';
    const parts = Object.entries({
      client_id: 'simulator',
      client_secret: 'simulator-secret',
      grant_type: 'client_credentials',
    })
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('');
    const answer = await call(`${sim.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `${parts}--${boundary}--\r\n`,
    });
    assert.equal(answer.status, 200);
    sim.token = answer.json<{ access_token: string }>().access_token;
  });

  it('answers a wrong secret with 3CX’s 401 body', async () => {
    const answer = await call(
      `${sim.url}/connect/token`,
      form({ client_id: 'simulator', client_secret: 'wrong', grant_type: 'client_credentials' }),
    );
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.json(), {
      error: 'unauthorized',
      error_description: 'The request requires valid user authentication.',
    });
  });

  it('keeps one active token per client: a new token makes the previous one 401', async () => {
    const first = await sim.clientToken();
    assert.equal((await sim.xapi('Defs?$select=Id', { token: first })).status, 200);
    const second = await sim.clientToken();
    assert.equal((await sim.xapi('Defs?$select=Id', { token: first })).status, 401);
    assert.equal((await sim.xapi('Defs?$select=Id', { token: second })).status, 200);
    sim.token = second;
  });

  it('logs a user in, refreshes by cookie, and rotates the refresh token', async () => {
    const login = await call(`${sim.url}/webclient/api/Login/GetAccessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Username: '100', Password: 'simulator', SecurityCode: '' }),
    });
    assert.equal(login.status, 200);
    const body = login.json<{
      Status: string;
      Token: { access_token: string; refresh_token: string; expires_in: number };
    }>();
    assert.equal(body.Status, 'AuthSuccess');
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /^RefreshTokenCookie=eyJ/);
    assert.equal((await sim.xapi('Users?$top=1', { token: body.Token.access_token })).status, 200);

    const refreshToken = /RefreshTokenCookie=([^;]+)/.exec(cookie)![1]!;
    const refresh = () =>
      call(`${sim.url}/connect/token`, {
        ...form({ client_id: 'Webclient', grant_type: 'refresh_token' }),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `RefreshTokenCookie=${refreshToken}`,
        },
      });
    const refreshed = await refresh();
    assert.equal(refreshed.status, 200);
    const newAccess = refreshed.json<{ access_token: string }>().access_token;
    assert.equal((await sim.xapi('Users?$top=1', { token: newAccess })).status, 200);
    assert.equal(
      (await sim.xapi('Users?$top=1', { token: body.Token.access_token })).status,
      401,
      'the refreshed token replaced the old one',
    );
    assert.equal((await refresh()).status, 401, 'a refresh token is good once');
  });

  it('answers a wrong password with a non-success Status', async () => {
    const login = await call(`${sim.url}/webclient/api/Login/GetAccessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Username: '100', Password: 'nope', SecurityCode: '' }),
    });
    assert.notEqual(login.json<{ Status: string }>().Status, 'AuthSuccess');
  });

  it('expires tokens by their exp claim: 401 once the server clock passes it', async () => {
    await sim.script('POST', 'auth', { token_ttl: 5 });
    const token = await sim.clientToken();
    assert.equal((await sim.xapi('Defs?$select=Id', { token })).status, 200);
    await sim.script('POST', 'clock', { advance_seconds: 6 });
    const expired = await sim.xapi('Defs?$select=Id', { token });
    assert.equal(expired.status, 401);
    assert.match(String(expired.headers['www-authenticate']), /invalid_token/);
    await sim.script('POST', 'auth', { token_ttl: 3600 });
    sim.token = await sim.clientToken();
  });

  it('rejects requests without a token, and revoked tokens', async () => {
    assert.equal((await call(`${sim.url}/xapi/v1/Users`)).status, 401);
    await sim.script('POST', 'auth', { revoke: true });
    assert.equal((await sim.xapi('Users?$top=1')).status, 401);
    sim.token = await sim.clientToken();
  });
});
