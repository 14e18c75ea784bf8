// The PBX client against the simulator: logins, renewal from exp, one login in flight, 401 retry, paging,
// failures that are never empty answers, timeouts, TLS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PbxClient, type PbxClientOptions } from '../../src/pbx/client.ts';
import { PbxError } from '../../src/pbx/errors.ts';
import { PolledReads } from '../../src/pbx/polled-reads.ts';
import { RowReuse } from '../../src/pbx/row-reuse.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const CLIENT = { kind: 'client', clientId: 'simulator', clientSecret: 'simulator-secret' } as const;
const USER = { kind: 'user', username: '100', password: 'simulator' } as const;
const asRows = (body: unknown) => (body as { value: Record<string, unknown>[] }).value;
const anyRow = (row: unknown) => row as Record<string, unknown>;

describe('PBX client', () => {
  let sim: SimHarness;
  const clients: PbxClient[] = [];
  let offsetMs = 0;
  const make = (options: Partial<PbxClientOptions> = {}) => {
    const client = new PbxClient({
      url: sim.url,
      credentials: CLIENT,
      verifyTls: false,
      now: () => Date.now() + offsetMs,
      ...options,
    });
    clients.push(client);
    return client;
  };
  const requests = async () =>
    (
      await sim.script<{ requests: { path: string; status: number; query: Record<string, string> }[] }>(
        'GET',
        'requests',
      )
    ).requests;

  before(async () => {
    sim = await SimHarness.start({ extensions: 230, tokenTtlSeconds: 3600 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.stop();
  });

  it('pages every user with $top=100 and skips hot-desking users', async () => {
    const client = make();
    await sim.script('DELETE', 'requests');
    const users = await client.getAll(
      'Users',
      { $filter: "not startsWith(Number,'HD')", $select: 'Id,Number' },
      anyRow,
    );
    assert.equal(users.length, 230);
    assert.ok(users.every((u) => !String(u.Number).startsWith('HD')));
    const pages = (await requests()).filter((r) => r.path === '/xapi/v1/Users');
    assert.deepEqual(
      pages.map((r) => [r.query.$top, r.query.$skip]),
      [
        ['100', '0'],
        ['100', '100'],
        ['100', '200'],
      ],
    );
  });

  it('makes one token request for many concurrent calls', async () => {
    const client = make();
    await Promise.all(Array.from({ length: 10 }, () => client.get('ActiveCalls', asRows)));
    assert.equal(client.logins, 1);
  });

  it('renews from the JWT exp a margin before expiry, not from expires_in', async () => {
    await sim.script('POST', 'auth', { token_ttl: 300 });
    const client = make({ renewMarginMs: 60_000 });
    await client.get('Defs?$select=Id', (b) => b);
    offsetMs = 200_000; // well past expires_in "60" read as seconds, still before exp - margin
    await client.get('Defs?$select=Id', (b) => b);
    assert.equal(client.logins, 1);
    offsetMs = 250_000; // inside the margin
    await client.get('Defs?$select=Id', (b) => b);
    assert.equal(client.logins, 2);
    offsetMs = 0;
    await sim.script('POST', 'auth', { token_ttl: 3600 });
  });

  it('logs in again once and retries once after a 401', async () => {
    const client = make();
    await client.get('Defs?$select=Id', (b) => b);
    await sim.script('POST', 'auth', { revoke: true });
    await sim.script('DELETE', 'requests');
    const calls = await client.get('ActiveCalls', asRows);
    assert.ok(Array.isArray(calls));
    assert.deepEqual(
      (await requests()).map((r) => [r.path, r.status]),
      [
        ['/xapi/v1/ActiveCalls', 401],
        ['/connect/token', 200],
        ['/xapi/v1/ActiveCalls', 200],
      ],
    );
  });

  it('logs a user in and refreshes by cookie before using the password again', async () => {
    await sim.script('POST', 'auth', { token_ttl: 120 });
    const client = make({ credentials: USER, renewMarginMs: 60_000 });
    await sim.script('DELETE', 'requests');
    await client.get('Users?$top=1', asRows);
    offsetMs = 100_000;
    await client.get('Users?$top=1', asRows);
    offsetMs = 0;
    const paths = (await requests()).map((r) => r.path);
    assert.deepEqual(paths, [
      '/webclient/api/Login/GetAccessToken',
      '/xapi/v1/Users',
      '/connect/token',
      '/xapi/v1/Users',
    ]);
    await sim.script('POST', 'auth', { token_ttl: 3600 });
  });

  it('names the refused credential kind and never its secret', async () => {
    for (const credentials of [
      { kind: 'client', clientId: 'simulator', clientSecret: 'WRONG-SECRET-123' } as const,
      { kind: 'user', username: '100', password: 'WRONG-PASSWORD-456' } as const,
    ]) {
      const client = make({ credentials });
      const error = await client.get('Users', asRows).then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e as PbxError,
      );
      assert.ok(error instanceof PbxError);
      assert.equal(error.kind, 'auth');
      assert.match(
        error.message,
        credentials.kind === 'client' ? /client credentials \(client_id simulator\)/ : /user login \(100\)/,
      );
      assert.ok(!error.message.includes('WRONG-'), error.message);
    }
  });

  it('turns every kind of failure into an error, never an empty answer', async () => {
    const client = make({ timeoutMs: 1500 });
    await client.get('Defs?$select=Id', (b) => b);
    const expectations: [string, string, number | undefined][] = [
      ['500', 'http', 500],
      ['503', 'http', 503],
      ['malformed', 'parse', 200],
      ['reset', 'network', undefined],
      ['hang', 'timeout', undefined],
    ];
    for (const [mode, kind, status] of expectations) {
      await sim.script('POST', 'fault', { mode, path: '^/xapi/v1/ActiveCalls' });
      const started = Date.now();
      const error = await client.get('ActiveCalls', asRows).then(
        (rows) => assert.fail(`${mode}: got ${JSON.stringify(rows)}`),
        (e: unknown) => e as PbxError,
      );
      assert.ok(error instanceof PbxError, `${mode}: ${String(error)}`);
      assert.equal(error.kind, kind, `${mode}: ${error.message}`);
      assert.equal(error.status, status, mode);
      assert.match(error.message, /^ActiveCalls: /);
      if (mode === 'hang') assert.ok(Date.now() - started < 5000, 'the timeout bounds a hung request');
      await sim.script('DELETE', 'fault');
    }
    assert.ok(Array.isArray(await client.get('ActiveCalls', asRows)), 'recovers');
  });

  it('checks TLS unless told not to, and trusts a given certificate', async () => {
    const strict = make({ verifyTls: true });
    const error = await strict
      .get('Defs?$select=Id', (b) => b)
      .then(
        () => assert.fail('a self-signed certificate must not verify'),
        (e: unknown) => e as PbxError,
      );
    assert.equal(error.kind, 'network');
    const pinned = make({ verifyTls: true, ca: sim.simulator.certificate });
    assert.ok(await pinned.get('Defs?$select=Id', (b) => b));
  });

  it('reads ActiveCalls for a poller: a changed row is read anew, a mistyped one refused after clean reads', async () => {
    const client = make();
    const reads = new PolledReads(client);
    const read = () => reads.activeCalls();
    const users = await client.getAll('Users', { $select: 'Number', $top: '2' }, anyRow);
    const ext = String(users[0]!.Number);
    const started = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930111222', to: ext });
    try {
      const first = (await read()).find((c) => c.id === started.id);
      assert.ok(first, 'the call is listed');
      await sim.script('POST', `calls/${started.id}/answer`);
      const second = (await read()).find((c) => c.id === started.id);
      assert.equal(second?.status, 'Talking', 'the answered call is read as Talking, not the cached Ringing');
      assert.notEqual(second?.status, first.status);
      await sim.script('POST', 'fault', { mode: 'wrong-types', count: 1, path: '^/xapi/v1/ActiveCalls$' });
      await assert.rejects(read(), (e: unknown) => e instanceof PbxError && e.kind === 'parse');
      const third = (await read()).find((c) => c.id === started.id);
      assert.equal(third?.status, 'Talking', 'read again once the PBX answers well');
    } finally {
      await sim.script('POST', `calls/${started.id}/hangup`);
    }
  });

  it('takes unchanged pages of a directory as they were parsed, and reads a changed page anew', async () => {
    const client = make();
    const reads = new PolledReads(client);
    const first = await reads.extensions();
    assert.ok(first.length > 200, 'three pages of users');
    const again = await reads.extensions();
    assert.equal(again.length, first.length);
    assert.ok(
      again.every((user, i) => user === first[i]),
      'every user the same object: no page parsed again',
    );
    const changed = first[150]!;
    const presence = changed.presence === 'Away' ? 'Available' : 'Away';
    await sim.script('PATCH', `extensions/${changed.number}`, { presence });
    const after = await reads.extensions();
    const now = after.find((u) => u.number === changed.number)!;
    assert.equal(now.presence, presence, 'the change is read');
    assert.notEqual(now, changed);
    assert.equal(after[0], first[0], 'a user on an unchanged page is still the same object');
    assert.equal(after.filter((u, i) => u !== first[i]).length, 1, 'only the changed user is new');
  });

  it('parses no row of a page whose text is unchanged', async () => {
    const client = make();
    const reuse = new RowReuse(anyRow);
    let parsed = 0;
    const read = () =>
      reuse.read((parse) =>
        client.getAll(
          'Users',
          { $select: 'Id,Number,CurrentProfileName' },
          Object.assign(
            (row: unknown) => {
              parsed++;
              return parse(row);
            },
            { pages: parse.pages },
          ),
        ),
      );
    const first = await read();
    assert.equal(parsed, first.length);
    parsed = 0;
    await read();
    assert.equal(parsed, 0, 'three unchanged pages: no row parsed');
    await sim.script('PATCH', `extensions/${String(first[120]!.Number)}`, { presence: 'Out of office' });
    await read();
    assert.equal(parsed, 100, 'the one changed page is parsed');
  });
});
