// Fuzz (issue 15): what the PBX answers to a login (/connect/token for an API client, GetAccessToken for a user),
// any status, any body. The login yields a usable token or a PbxError whose message is fit for a log line, a
// bridge/response error and check-config's output: short, one line, no control characters, whatever the PBX put
// in its `error` or `Status`. The answers come through PbxLogin's own sending port, as the client hands them over.
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { PbxLogin, type PbxCredentials } from '../../src/pbx/auth.ts';
import { PbxError } from '../../src/pbx/errors.ts';
import { hostileString, oddStrings } from './generators.ts';
import { fuzz } from './runner.ts';

const NOW = Date.parse('2026-12-02T06:00:00Z');
const CREDENTIALS: PbxCredentials[] = [
  { kind: 'client', clientId: 'gateway', clientSecret: 'secret' },
  { kind: 'user', username: '600', password: 'password' },
];
/** Long enough for any reason a PBX gives, short enough for one log line. */
const MAX_MESSAGE = 300;

interface Answer {
  status: number;
  text: string;
}

const reasons = fc.oneof(
  fc.constantFrom('invalid_client', 'AuthFailed', 'unsupported_grant_type'),
  hostileString,
  oddStrings,
  fc.integer({ min: 300, max: 3000 }).map((n) => 'x'.repeat(n)),
  fc.constant('line one\r\nline two\u001b[31m'),
);
const answers: fc.Arbitrary<Answer> = fc.record({
  status: fc.constantFrom(200, 400, 401, 403, 500, 502),
  text: fc.oneof(
    reasons.map((error) => JSON.stringify({ error })),
    reasons.map((Status) => JSON.stringify({ Status, Token: null })),
    reasons.map((message) => JSON.stringify({ error: { message } })),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary', maxLength: 200 }),
  ),
});

/** Why a login outcome is unfit, or undefined. */
async function unfit(credentials: PbxCredentials, answer: Answer): Promise<string | undefined> {
  const login = new PbxLogin(
    credentials,
    () => Promise.resolve(answer),
    () => NOW,
  );
  try {
    const token = await login.login();
    return /^[\x21-\x7e]+$/.test(token.value) && token.expiresAt > NOW ? undefined : 'an unusable token';
  } catch (error) {
    if (!(error instanceof PbxError)) return `threw ${String(error)}`;
    if (error.message.length > MAX_MESSAGE) return `a message of ${error.message.length} characters`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(error.message))
      return `a message with control characters: ${JSON.stringify(error.message.slice(0, 120))}`;
    return undefined;
  }
}

describe('fuzz: login answers', () => {
  it('a usable token, or a PbxError with a short one-line message', async (t: TestContext) => {
    await fuzz(
      t,
      'login answers',
      fc.asyncProperty(fc.constantFrom(...CREDENTIALS), answers, async (credentials, answer) => {
        const found = await unfit(credentials, answer);
        if (found) throw new Error(found);
      }),
      {
        timeMs: 1500,
        // A refusal quoting whatever the PBX sent: 3,000 characters, or a line break and an escape sequence.
        examples: [
          [CREDENTIALS[0]!, { status: 400, text: JSON.stringify({ error: 'x'.repeat(3000) }) }],
          [
            CREDENTIALS[1]!,
            { status: 200, text: JSON.stringify({ Status: 'line one\r\nline two\u001b[31m' }) },
          ],
        ],
      },
    );
  });
});
