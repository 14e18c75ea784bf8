// Fuzz (issue 15): webhook bodies (JSON and form, random and journal-shaped with hostile values) over HTTP to a
// running web server: every answer is 2xx, or 4xx with a reason; never 5xx, never a dropped connection.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { binaryPayload, deeplyNested, hostileString, oddStrings } from './generators.ts';
import { fuzz } from './runner.ts';

const HOOK = 'hook-token-fuzz';
// No broker: the web server answers without one.
const NO_BROKER = 'mqtt://127.0.0.1:1';

const JOURNAL_FIELDS = [
  'CallType',
  'Number',
  'Name',
  'Agent',
  'Duration',
  'CallStartTimeUTC',
  'CallEndTimeUTC',
  'DID',
  'Entity',
];

/** Dates at and past the edges of what JavaScript can hold, and some that only look like dates. */
const oddDates = fc.oneof(
  fc.constantFrom(
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '275760-09-13T00:00:00',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '1970-01-01T00:00:00Z',
    '2026-02-30T25:61:61Z',
    '2026-03-04T09:15:02+99:99',
    '2026-03-04 09:15:02',
    '1e21',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  oddStrings,
);

const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    'Inbound',
    'Missed',
    'Outbound',
    'Notanswered',
    'missed',
    '+4930123456',
    '00:01:05',
    '999:59:59',
  ),
  oddDates,
  hostileString,
  fc.jsonValue({ maxDepth: 2 }),
);

/** A journal-like record: some of the template's fields, each a plausible, odd or hostile value. */
const journalFields = fc.dictionary(
  fc.constantFrom(...JOURNAL_FIELDS, 'event', 'number', 'name'),
  fieldValue,
  {
    maxKeys: 9,
  },
);

/** A journal the template could send, with up to two of its fields replaced by odd or hostile values. */
const nearlyValidJournal = fc
  .tuple(
    fc.record({
      CallType: fc.constantFrom('Inbound', 'Missed', 'Outbound', 'Notanswered'),
      Number: fc.constantFrom('+4930123456', '200', '0049 30 123-456'),
      Name: fc.constantFrom('Erika Muster', ''),
      Agent: fc.constantFrom('101', ''),
      Duration: fc.constantFrom('00:00:00', '00:01:05', '999:59:59'),
      CallStartTimeUTC: oddDates,
      CallEndTimeUTC: fc.option(oddDates, { nil: undefined }),
    }),
    fc.dictionary(fc.constantFrom(...JOURNAL_FIELDS), fieldValue, { maxKeys: 2 }),
  )
  .map(([journal, odd]) => ({ ...journal, ...odd }));

interface Post {
  path: string;
  contentType: string | null;
  body: Buffer;
}

const path = fc.constantFrom('/webhook/3cx', '/webhook/3cx/event', '/webhook/3cx/nope');
const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/x-www-form-urlencoded') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      '',
      'text/plain',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
      'APPLICATION/JSON',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const body: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: nearlyValidJournal.map((fields) => Buffer.from(JSON.stringify(fields))) },
  { weight: 2, arbitrary: journalFields.map((fields) => Buffer.from(JSON.stringify(fields))) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(journalFields, nearlyValidJournal)
      .map((fields) =>
        Buffer.from(
          new URLSearchParams(
            Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
          ).toString(),
        ),
      ),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(text)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%E0%A4%A', 'a=%zz&b=%', '&&==&', '=').map((text) => Buffer.from(text)),
  },
  { weight: 1, arbitrary: binaryPayload },
  { weight: 1, arbitrary: deeplyNested.map((text) => Buffer.from(text)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60 * 1024, max: 70 * 1024 }).map((size) => Buffer.alloc(size, '{')),
  },
);

const post: fc.Arbitrary<Post> = fc.record({ path, contentType, body });

/** A journal dated `start`, as JSON. */
function journalAt(start: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      CallType: 'Missed',
      Number: '+4930123456',
      Duration: '00:00:00',
      CallStartTimeUTC: start,
    }),
  );
}

/** Bodies that once answered 500 (seeds 341842544, 1109598173: dates at JavaScript's edges), kept as regressions. */
const REGRESSIONS: Post[] = ['+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z'].map((start) => ({
  path: '/webhook/3cx',
  contentType: 'application/json',
  body: journalAt(start),
}));

describe('fuzz: webhook bodies over HTTP', () => {
  let sim: SimHarness;
  let gw: GatewayHarness;
  let base = '';
  const agent = new Agent({ connections: 4 });

  before(async () => {
    sim = await SimHarness.start({ extensions: 3 });
    gw = startGateway(gatewayConfig(sim, NO_BROKER, { web: { listen: '127.0.0.1:0', webhook_token: HOOK } }));
    base = await startWeb(gw);
  });
  after(async () => {
    await agent.close();
    await gw?.stop();
    await sim?.stop();
  });

  /** The status, and the reason of a 4xx; throws when the connection fails instead of answering. */
  async function send(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    payload?: Buffer,
  ) {
    const answer = await request(url, { method, headers, body: payload, dispatcher: agent });
    const text = await answer.body.text();
    return { status: answer.statusCode, text };
  }

  function judge(what: string, status: number, text: string): void {
    if (status >= 500) throw new Error(`${what}: ${status} ${text}`);
    if (status >= 400) {
      let reason: unknown;
      try {
        reason = (JSON.parse(text) as { error?: unknown }).error;
      } catch {
        reason = undefined;
      }
      if (typeof reason !== 'string' || reason === '')
        throw new Error(`${what}: ${status} without a reason: ${text}`);
    } else if (status < 200 || status >= 300) throw new Error(`${what}: ${status}`);
  }

  it('POST bodies: 2xx, or 4xx with a reason; never 5xx', async (t: TestContext) => {
    await fuzz(
      t,
      'webhook POST bodies',
      fc.asyncProperty(post, async ({ path, contentType, body }) => {
        const headers: Record<string, string> = { authorization: `Bearer ${HOOK}` };
        if (contentType !== null) headers['content-type'] = contentType;
        const { status, text } = await send('POST', `${base}${path}`, headers, body);
        judge(
          `POST ${path} (${contentType}) ${JSON.stringify(body.subarray(0, 120).toString())}`,
          status,
          text,
        );
      }),
      { timeMs: 3000, examples: REGRESSIONS.map((example) => [example]) },
    );
  });

  it('a journal dated before 2000 or after 2100 is refused with the reason, not stored', async () => {
    for (const start of ['0000-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2100-01-01T00:00:01Z']) {
      const answer = await send(
        'POST',
        `${base}/webhook/3cx`,
        { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' },
        journalAt(start),
      );
      assert.equal(answer.status, 400, `${start}: ${answer.text}`);
      assert.match(answer.text, /CallStartTimeUTC/);
    }
  });

  it('lookups of any number: 2xx, or 4xx with a reason', async (t: TestContext) => {
    await fuzz(
      t,
      'webhook lookups',
      fc.asyncProperty(
        fc.oneof(hostileString, fc.string({ unit: 'binary', maxLength: 40 })),
        async (number) => {
          const url = `${base}/webhook/3cx/lookup?number=${encodeURIComponent(number)}`;
          const { status, text } = await send('GET', url, { authorization: `Bearer ${HOOK}` });
          judge(`lookup ${JSON.stringify(number)}`, status, text);
        },
      ),
      { timeMs: 1500 },
    );
  });

  it('still answers afterwards', async () => {
    assert.equal((await send('GET', `${base}/healthz`, {})).status, 200);
    const valid = await send(
      'POST',
      `${base}/webhook/3cx`,
      { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' },
      Buffer.from(
        JSON.stringify({
          CallType: 'Missed',
          Number: '+4930999888',
          Duration: '00:00:00',
          CallStartTimeUTC: new Date().toISOString(),
        }),
      ),
    );
    assert.ok(valid.status === 200 || valid.status === 201, valid.text);
  });
});
