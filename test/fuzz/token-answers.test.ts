// Fuzz (issue 15): the PBX's token answers (/connect/token, and a user login's Token), random and mutated from the
// simulator's real ones. Each is a token the client can use (a value that fits an Authorization header, an expiry
// still ahead) or a PbxError, never anything else. And a token that lives less than the renewal margin is used for
// a while, not renewed at every request.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { tokenFromAnswer } from '../../src/pbx/auth.ts';
import { PbxClient } from '../../src/pbx/client.ts';
import { PbxError } from '../../src/pbx/errors.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { mutatedJson, mutatedText, oddStrings } from './generators.ts';
import { fuzz } from './runner.ts';

const NOW = Date.parse('2026-12-02T06:00:00Z');

/** A JWT-shaped text with the given payload (the signature is not checked by the client: the PBX checks it). */
function jwt(payload: unknown): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

/** Why a token answer was misread, or undefined (a usable token, or a PbxError). */
function misread(body: unknown): string | undefined {
  let token;
  try {
    token = tokenFromAnswer(body, NOW);
  } catch (error) {
    return error instanceof PbxError ? undefined : `threw ${String(error)}`;
  }
  if (!/^[\x21-\x7e]+$/.test(token.value))
    return `took ${JSON.stringify(token.value.slice(0, 40))} as a token (not an Authorization header value)`;
  if (!Number.isFinite(token.expiresAt) || token.expiresAt <= NOW)
    return `took a token that expires at ${token.expiresAt}, not after now (${NOW})`;
  return undefined;
}

const payloads = fc.oneof(
  fc.record(
    { exp: fc.oneof(fc.integer(), fc.double(), oddStrings, fc.constant(null)) },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const accessTokens = fc.oneof(
  payloads.map(jwt),
  oddStrings,
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', ' ', 'a b', 'abc\r\nX-Injected: 1', 'x.y.z'),
);

describe('fuzz: token answers', () => {
  let sim: SimHarness;
  let sample: Record<string, unknown> = {};

  before(async () => {
    sim = await SimHarness.start({ extensions: 2 });
    const answer = await fetch(`${sim.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=simulator&client_secret=simulator-secret&grant_type=client_credentials',
      // The simulator's certificate is self-signed.
      dispatcher: new (await import('undici')).Agent({ connect: { rejectUnauthorized: false } }),
    } as RequestInit);
    sample = (await answer.json()) as Record<string, unknown>;
  });
  after(() => sim?.stop());

  it('the real answer is a usable token', () => {
    assert.equal(misread(sample), undefined);
  });

  it('any answer: a usable token or a PbxError', async (t: TestContext) => {
    const text = JSON.stringify(sample);
    await fuzz(
      t,
      'token answers',
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: mutatedJson(sample) },
          { weight: 3, arbitrary: accessTokens.map((access_token) => ({ ...sample, access_token })) },
          { weight: 1, arbitrary: fc.jsonValue() },
          {
            weight: 2,
            arbitrary: mutatedText(text).map((answer) => {
              try {
                return JSON.parse(answer) as unknown;
              } catch {
                return undefined;
              }
            }),
          },
        ),
        (body) => {
          const found = misread(body);
          if (found) throw new Error(found);
        },
      ),
      {
        timeMs: 1500,
        // Found by this fuzz test: an empty token, one that breaks the header, one expired on arrival (the
        // PBX's clock behind ours).
        examples: [
          [{ ...sample, access_token: '' }],
          [{ ...sample, access_token: 'abc\r\nX-Injected: 1' }],
          [{ ...sample, access_token: jwt({ exp: NOW / 1000 - 3600 }) }],
        ],
      },
    );
  });

  it('a token shorter-lived than the renewal margin is used for half its life, not renewed at every request', async () => {
    await sim.script('POST', 'auth', { token_ttl: 30 });
    const client = new PbxClient({
      url: sim.url,
      credentials: { kind: 'client', clientId: 'simulator', clientSecret: 'simulator-secret' },
      verifyTls: false,
      renewMarginMs: 60_000,
    });
    try {
      for (let i = 0; i < 20; i++) await client.get('Defs?$select=Id', (b) => b);
      assert.equal(client.logins, 1, `${client.logins} logins for 20 requests with a 30 s token`);
    } finally {
      await client.close();
      await sim.script('POST', 'auth', { token_ttl: 3600 });
    }
  });
});
