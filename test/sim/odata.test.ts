// Simulator OData: collections, $top cap, paging, $filter/$select/$expand/$orderby/$count, key syntax, errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFilter, evaluate } from '../../src/sim/odata/filter.ts';
import { allPages, SimHarness } from '../helpers/pbx-http.ts';

describe('$filter parser', () => {
  const user = { Number: "O'Neil", Id: 7, IsRegistered: true, Name: null, When: '2026-03-04T09:15:02Z' };
  const cases: [string, boolean][] = [
    ["Number eq 'O''Neil'", true],
    ["Number ne 'O''Neil'", false],
    ['Id gt 6 and Id lt 8', true],
    ['Id ge 8 or Id le 6', false],
    ["not startsWith(Number,'HD')", true],
    ["startswith(Number,'O')", true],
    ["contains(Number,'Ne') and IsRegistered eq true", true],
    ["endswith(Number,'il')", true],
    ['Name eq null', true],
    ["(Id eq 1 or Id eq 7) and not (Number eq 'x')", true],
    ["tolower(Number) eq 'o''neil'", true],
    ['When ge 2026-03-04T09:00:00Z and When lt 2026-03-04T10:00:00+00:00', true],
    ['date(When) eq 2026-03-04', true],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(evaluate(parseFilter(text), user), expected));
  }
  it('rejects broken expressions', () => {
    for (const bad of ["Number eq 'open", 'Id eq', 'bogus(Number)', 'Id eq 1)'])
      assert.throws(() => parseFilter(bad), bad);
  });
});

describe('simulator OData', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await SimHarness.start({ extensions: 250, ringGroups: 3, queues: 2 });
  });
  after(() => sim.stop());

  it('serves collections as {"@odata.context", value} and counts with $count', async () => {
    const page = await sim.xapiJson('Users?$top=5&$count=true');
    assert.match(page['@odata.context' as keyof typeof page] as unknown as string, /\$metadata#Users$/);
    assert.equal(page.value.length, 5);
    assert.equal(page['@odata.count'], 250 + 5, '250 users plus 5 hot-desking users');
  });

  it('answers $top over 100 with HTTP 400', async () => {
    const answer = await sim.xapi('Users?$top=101');
    assert.equal(answer.status, 400);
    assert.match(answer.json<{ error: { message: string } }>().error.message, /limit of '100'/);
    assert.equal((await sim.xapi('Users?$top=100')).status, 200);
  });

  it('pages with $skip so that every user comes exactly once', async () => {
    const rows = await allPages(sim, 'Users', "$filter=not startsWith(Number,'HD')&$select=Id,Number");
    const numbers = rows.map((r) => r.Number as string);
    assert.equal(numbers.length, 250);
    assert.equal(new Set(numbers).size, 250);
    assert.ok(!numbers.some((n) => n.startsWith('HD')));
    assert.deepEqual(Object.keys(rows[0]!), ['Id', 'Number']);
  });

  it('filters with quoted literals and escaped quotes', async () => {
    const one = await sim.xapiJson("Users?$filter=Number eq '101'&$select=Number");
    assert.deepEqual(one.value, [{ Number: '101' }]);
    const none = await sim.xapiJson("Users?$filter=LastName eq 'O''Brien' and Number eq 'nope'");
    assert.deepEqual(none.value, []);
    const hd = await sim.xapiJson("Users?$filter=startsWith(Number,'HD')&$select=Number,IsRegistered");
    assert.equal(hd.value.length, 5);
  });

  it('answers unknown properties and broken filters with 400 and an OData error', async () => {
    for (const query of [
      'Users?$filter=Nmber eq 1',
      'Users?$select=Nmber',
      "Users?$filter=Number eq 'x",
      'Users?$orderby=Nope',
      'Users?$expand=Nope',
      'Users?$bogus=1',
    ]) {
      const answer = await sim.xapi(query);
      assert.equal(answer.status, 400, query);
      assert.equal(typeof answer.json<{ error: { message: string } }>().error.message, 'string');
    }
  });

  it('leaves navigation properties out unless expanded, and expands them with nested $select', async () => {
    const plain = await sim.xapiJson('RingGroups');
    assert.ok(!('Members' in plain.value[0]!));
    const expanded = await sim.xapiJson('RingGroups?$expand=Members($select=Number)');
    const members = expanded.value[0]!.Members as Record<string, unknown>[];
    assert.ok(members.length >= 2);
    assert.deepEqual(Object.keys(members[0]!), ['Number']);
    const queues = await sim.xapiJson('Queues?$expand=Agents&$select=Id,Number');
    assert.ok((queues.value[0]!.Agents as unknown[]).length >= 2);
    const users = await sim.xapiJson('Users?$top=1&$expand=ForwardingProfiles');
    assert.deepEqual(
      (users.value[0]!.ForwardingProfiles as { Name: string }[]).map((p) => p.Name),
      ['Available', 'Away', 'Out of office', 'Custom 1', 'Custom 2'],
    );
  });

  it('orders with $orderby', async () => {
    const page = await sim.xapiJson('Users?$orderby=Number desc&$top=3&$select=Number');
    assert.deepEqual(
      page.value.map((u) => u.Number),
      ['HD005', 'HD004', 'HD003'],
    );
  });

  it('finds single entities by Id and by Number, including quotes in keys', async () => {
    const first = (await sim.xapiJson('Users?$top=1&$select=Id,Number')).value[0]!;
    const byId = await sim.xapiJson<Record<string, unknown>>(`Users(${String(first.Id)})`);
    assert.equal(byId.Number, first.Number);
    const byNumber = await sim.xapiJson<Record<string, unknown>>(
      `Users(Number='${String(first.Number)}')?$select=Id`,
    );
    assert.deepEqual(
      Object.keys(byNumber).filter((k) => !k.startsWith('@')),
      ['Id'],
    );
    assert.equal((await sim.xapi("Users(Number='O''Brien')")).status, 404);
    assert.equal((await sim.xapi('Users(999999)')).status, 404);
    const members = await sim.xapiJson(
      `RingGroups(${String((await sim.xapiJson('RingGroups?$top=1')).value[0]!.Id)})/Members`,
    );
    assert.ok(members.value.length >= 2);
  });

  it('answers unknown paths with 404 and an OData error object', async () => {
    const answer = await sim.xapi('NoSuchThing');
    assert.equal(answer.status, 404);
    assert.equal(typeof answer.json<{ error: { code: string; message: string } }>().error.message, 'string');
  });

  it('serves $count paths as plain text', async () => {
    const answer = await sim.xapi("Users/$count?$filter=not startsWith(Number,'HD')");
    assert.equal(answer.text, '250');
  });
});

describe('10,000 extensions', () => {
  it('serves them all through paging, each exactly once', async () => {
    const sim = await SimHarness.start({ extensions: 10_000 });
    try {
      const rows = await allPages(
        sim,
        'Users',
        "$filter=not startsWith(Number,'HD')&$select=Id,Number,CurrentProfileName,IsRegistered",
      );
      assert.equal(rows.length, 10_000);
      assert.equal(new Set(rows.map((r) => r.Id)).size, 10_000);
      const requests = await sim.script<{ requests: { path: string; query: Record<string, string> }[] }>(
        'GET',
        'requests',
      );
      const userPages = requests.requests.filter((r) => r.path === '/xapi/v1/Users');
      assert.equal(userPages.length, 101);
      assert.ok(userPages.every((r) => r.query.$top === '100'));
    } finally {
      await sim.stop();
    }
  });
});
