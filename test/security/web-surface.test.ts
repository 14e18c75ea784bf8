// The web server's attack surface, from outside: the token checks (constant time, any length refused), what a page
// on another site can make a browser do (CSRF: methods, Origin, no CORS), and path traversal on recordings.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it, type TestContext } from 'node:test';
import { pbxRequests } from '../helpers/commands.ts';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { rawHttp, type RawAnswer } from '../helpers/raw-http.ts';

const AUTH = 'dash-token-surface-2f9c';
const HOOK = 'hook-token-surface-81d0';
const NO_BROKER = 'mqtt://127.0.0.1:1';
const JOURNAL = JSON.stringify({
  CallType: 'Inbound',
  Number: '+4930999888',
  Name: 'Forged Caller',
  Agent: '101',
  Duration: '00:00:10',
  CallStartTimeUTC: new Date().toISOString().replace(/\.\d+Z$/, ''),
});

/** Wrong tokens of every length around the right one, and a few that differ only in their last byte or case. */
function wrongTokens(right: string): string[] {
  return [
    'x',
    right.slice(0, 1),
    right.slice(0, -1),
    `${right.slice(0, -1)}${right.at(-1) === 'a' ? 'b' : 'a'}`,
    right.toUpperCase(),
    `${right}x`,
    `${right}${right}`,
    'y'.repeat(4096),
    `${right}\u0000`,
  ];
}

describe('web attack surface', () => {
  let sim: SimHarness;
  let gw: GatewayHarness;
  let port = 0;
  const get = (path: string, headers: Record<string, string | null> = {}, method = 'GET') =>
    rawHttp(port, { method, path, headers, timeoutMs: 5000 });

  before(async () => {
    sim = await SimHarness.start({ extensions: 3, traffic: 'none' });
    gw = startGateway(
      gatewayConfig(sim, NO_BROKER, {
        web: { listen: '127.0.0.1:0', auth_token: AUTH, webhook_token: HOOK },
      }),
    );
    port = Number(new URL(await startWeb(gw)).port);
  });
  after(async () => {
    await gw?.stop();
    await sim?.stop();
  });

  describe('token checks', () => {
    it('compare in constant time: timingSafeEqual on equal-length digests, whatever the length given', async () => {
      const original = crypto.timingSafeEqual;
      const calls: [number, number][] = [];
      crypto.timingSafeEqual = (a, b) => {
        calls.push([a.byteLength, b.byteLength]);
        return original(a, b);
      };
      syncBuiltinESMExports();
      try {
        for (const [right, path, query] of [
          [AUTH, '/api/state', 'token'],
          [HOOK, '/webhook/3cx/lookup?number=200', 'token'],
        ] as const) {
          for (const wrong of [...wrongTokens(right), right]) {
            calls.length = 0;
            const headers = { authorization: `Bearer ${encodeURIComponent(wrong)}` };
            const answer = await get(path, headers);
            assert.equal(answer.status, wrong === right ? 200 : 401, `${path} with ${wrong.length} chars`);
            assert.ok(calls.length >= 1, `${path}: the token of ${wrong.length} chars was not compared`);
            for (const [a, b] of calls) assert.ok(a === b && a === 32, `compared ${a} with ${b} bytes`);
            // The same through the cookie and the query.
            const other = await get(
              `${path}${path.includes('?') ? '&' : '?'}${query}=${encodeURIComponent(wrong)}`,
            );
            assert.equal(other.status, wrong === right ? 200 : 401);
          }
        }
      } finally {
        crypto.timingSafeEqual = original;
        syncBuiltinESMExports();
      }
    });

    it('a wrong token is answered as slowly as a nearly right one (medians, for the figures)', async (t: TestContext) => {
      // Interleaved, so that a warming server or a busy machine weighs on all three alike.
      const tokens = { far: 'z'.repeat(AUTH.length), near: `${AUTH.slice(0, -1)}z`, short: 'z' };
      const samples: Record<keyof typeof tokens, number[]> = { far: [], near: [], short: [] };
      for (let i = 0; i < 60; i++) {
        for (const [name, token] of Object.entries(tokens) as [keyof typeof tokens, string][]) {
          const started = process.hrtime.bigint();
          await get('/api/state', { authorization: `Bearer ${token}` });
          samples[name].push(Number(process.hrtime.bigint() - started) / 1000);
        }
      }
      const median = (values: number[]) => Math.round(values.sort((a, b) => a - b)[30]!);
      const [far, near, short] = [median(samples.far), median(samples.near), median(samples.short)];
      t.diagnostic(`401 medians: first byte wrong ${far} µs, last byte wrong ${near} µs, 1 char ${short} µs`);
      // Over loopback the noise is far above a byte compare: this only catches a gross leak (an early return).
      assert.ok(Math.abs(far - near) < Math.max(far, near), `${far} µs against ${near} µs`);
    });
  });

  describe('cross-site requests (CSRF)', () => {
    const bearer = { authorization: `Bearer ${AUTH}` };

    it('the dashboard and API change nothing: every other method is refused 405, with a token too', async () => {
      for (const path of ['/', '/api/state', '/api/calls', '/api/events', '/api/recordings/1', '/metrics']) {
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
          const answer = await get(path, bearer, method);
          assert.equal(answer.status, 405, `${method} ${path}: ${answer.status} ${answer.text}`);
          assert.match(answer.text, /method not allowed/);
        }
      }
    });

    it('no answer allows another origin to read it (no CORS headers, not even for a preflight)', async () => {
      const origin = { origin: 'https://evil.example' };
      for (const [method, path, headers] of [
        ['GET', '/api/state', { ...bearer, ...origin }],
        ['OPTIONS', '/api/state', { ...origin, 'access-control-request-method': 'GET' }],
        ['GET', `/webhook/3cx/lookup?number=200&token=${HOOK}`, origin],
        ['OPTIONS', '/webhook/3cx', { ...origin, 'access-control-request-method': 'POST' }],
        ['GET', '/healthz', origin],
      ] as const) {
        const answer = await get(path, headers, method);
        const cors = Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'));
        assert.deepEqual(cors, [], `${method} ${path}`);
      }
    });

    it('a link with ?token= cannot replace a signed-in cookie with another token', async () => {
      const signedIn = { cookie: `3cx2mqtt_token=${AUTH}` };
      const answer = await get('/?token=attacker-chosen', signedIn);
      assert.ok(
        !answer.headers['set-cookie']?.includes('attacker-chosen'),
        `set-cookie: ${answer.headers['set-cookie']}`,
      );
      const login = await get(`/?token=${AUTH}`);
      assert.equal(login.status, 200);
      assert.match(login.headers['set-cookie'] ?? '', /^3cx2mqtt_token=.*; HttpOnly; SameSite=Lax/);
    });

    it('the webhook refuses what a browser sends from a page (Origin, Sec-Fetch-Site): 403 with the reason', async () => {
      const stored = () => gw.gateway.store.history({ limit: 1000 }).length;
      const before = stored();
      for (const headers of <Record<string, string>[]>[
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'same-site' },
      ]) {
        for (const [type, body] of [
          ['application/json', JOURNAL],
          [
            'application/x-www-form-urlencoded',
            new URLSearchParams(JSON.parse(JOURNAL) as Record<string, string>).toString(),
          ],
          ['text/plain', JOURNAL],
        ] as const) {
          const answer: RawAnswer = await rawHttp(port, {
            method: 'POST',
            path: `/webhook/3cx?token=${HOOK}`,
            headers: { 'content-type': type, ...headers },
            body,
            timeoutMs: 5000,
          });
          assert.equal(answer.status, 403, `${JSON.stringify(headers)} ${type}: ${answer.text}`);
          assert.match(answer.text, /browser|cross-site|Origin/i);
        }
      }
      assert.equal(stored(), before, 'nothing stored');
      // The PBX itself (no Origin, no Sec-Fetch-*) is still served.
      const pbx = await rawHttp(port, {
        method: 'POST',
        path: `/webhook/3cx?token=${HOOK}`,
        headers: { 'content-type': 'application/json' },
        body: JOURNAL,
        timeoutMs: 5000,
      });
      assert.ok(pbx.status === 200 || pbx.status === 201, `${pbx.status} ${pbx.text}`);
    });
  });

  describe('path traversal on /api/recordings/<id>', () => {
    const ATTEMPTS = [
      '/api/recordings/../../../../etc/passwd',
      '/api/recordings/..%2f..%2f..%2fetc%2fpasswd',
      '/api/recordings/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/api/recordings/%2e%2e/%2e%2e/config.yaml',
      '/api/recordings/%252e%252e%252fetc%252fpasswd',
      '/api/recordings//etc/passwd',
      '/api/recordings/%2fetc%2fpasswd',
      '/api/recordings/C:%5cWindows%5cwin.ini',
      '/api/recordings/1%00',
      '/api/recordings/1%00.wav',
      '/api/recordings/%00',
      '/api/recordings/1%2f..%2f..%2fUsers',
      '/api/recordings/1;recId=2',
      '/api/recordings/1)%2fPbx.DownloadRecording(recId=2',
      '/api/recordings/-1',
      '/api/recordings/1e3',
      '/api/recordings/0x10',
      '/api/recordings/99999999999',
      '/api/recordings/%31',
      'http://evil.example/api/recordings/../../etc/passwd',
      '//evil.example/api/recordings/1/../../x',
    ];

    it('is answered 404 with a reason, and only a recording id of digits ever reaches the PBX', async () => {
      const seen = (await pbxRequests(sim, /Recording/)).length;
      for (const path of ATTEMPTS) {
        const answer = await get(path, { authorization: `Bearer ${AUTH}` });
        assert.ok(answer.status >= 400 && answer.status < 500, `${path}: ${answer.status} ${answer.text}`);
        assert.match(answer.text, /"error":"[^"]+"/, `${path}: no reason`);
        assert.doesNotMatch(answer.text, /root:|\[fonts\]|pbx:/, `${path} served a file`);
      }
      const reached = (await pbxRequests(sim, /Recording/)).slice(seen);
      for (const request of reached)
        assert.match(request.path, /^\/xapi\/v1\/Recordings\/Pbx\.DownloadRecording\(recId=\d+\)$/);
    });

    it('without the token, nothing is looked at: 401', async () => {
      for (const path of ATTEMPTS.slice(0, 6)) assert.equal((await get(path)).status, 401, path);
    });
  });
});
