// Bulk calls for benchmarks and soaks: POST/DELETE /sim/calls/bulk and simulate --calls K, at 10,000 extensions
// and 1,000 calls, consistent across ActiveCalls, Call Control and the history.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallHistoryEntry } from '../../src/sim/call-history.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { CliProcess } from '../helpers/cli.ts';
import { call } from '../helpers/pbx-http.ts';
import { CallControlClient, type DnInfo } from './callcontrol-client.ts';

interface Row {
  Id: number;
  Caller: string;
  Callee: string;
  Status: string;
}

const isTrunkLeg = (label: string) => /^1\d{4} .*\(\d+\)$/.test(label);

describe('bulk calls', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await SimHarness.start({ extensions: 40, seed: 5 });
  });
  after(() => sim.stop());

  const active = async () => (await sim.xapiJson<{ value: Row[] }>('ActiveCalls')).value;

  it('starts talking calls of every kind and answers their ActiveCalls ids; DELETE hangs them up', async () => {
    const { ids } = await sim.script<{ ids: number[] }>('POST', 'calls/bulk', {
      count: 30,
      state: 'talking',
    });
    assert.equal(ids.length, 30);
    const rows = (await active()).filter((r) => ids.includes(r.Id));
    assert.equal(rows.length, 30);
    assert.ok(rows.every((r) => r.Status === 'Talking'));
    assert.ok(
      rows.some((r) => isTrunkLeg(r.Caller)),
      'inbound',
    );
    assert.ok(
      rows.some((r) => isTrunkLeg(r.Callee)),
      'outbound',
    );
    assert.ok(
      rows.some((r) => !isTrunkLeg(r.Caller) && !isTrunkLeg(r.Callee)),
      'internal',
    );
    const callees = rows.filter((r) => isTrunkLeg(r.Caller)).map((r) => r.Callee);
    assert.equal(new Set(callees).size, callees.length, 'idle extensions first: no extension twice');
    const deleted = await sim.script<{ hung_up: number }>('DELETE', 'calls/bulk');
    assert.equal(deleted.hung_up, 30);
    assert.deepEqual(await active(), []);
    const history = (await sim.script<{ calls: CallHistoryEntry[] }>('GET', 'calls/history')).calls;
    assert.deepEqual(history.map((e) => e.pbx_call_ids[0]).sort(), [...ids].sort());
    assert.ok(history.every((e) => e.outcome === 'answered'));
  });

  it('ringing calls of one kind; unanswered when hung up', async () => {
    const { ids } = await sim.script<{ ids: number[] }>('POST', 'calls/bulk', {
      count: 5,
      state: 'ringing',
      kind: 'inbound',
    });
    const rows = (await active()).filter((r) => ids.includes(r.Id));
    assert.ok(rows.every((r) => r.Status === 'Ringing' && isTrunkLeg(r.Caller)));
    await sim.script('DELETE', 'calls/bulk');
    const history = (await sim.script<{ calls: CallHistoryEntry[] }>('GET', 'calls/history')).calls.filter(
      (e) => ids.includes(e.pbx_call_ids[0]!),
    );
    assert.deepEqual(
      history.map((e) => e.outcome),
      ['missed', 'missed', 'missed', 'missed', 'missed'],
    );
  });

  it('refuses a bad count, state or kind', async () => {
    for (const body of [
      { count: 0 },
      { count: 10_001 },
      { count: 2, state: 'held' },
      { count: 2, kind: 'fax' },
    ])
      await assert.rejects(sim.script('POST', 'calls/bulk', body), /400/, JSON.stringify(body));
  });
});

describe('1,000 calls at 10,000 extensions', () => {
  it('ActiveCalls and Call Control show the same 1,000 calls', async () => {
    const sim = await SimHarness.start({ extensions: 10_000, ringGroups: 20, queues: 10, seed: 11 });
    const client = await CallControlClient.connect(sim, await sim.clientToken());
    try {
      const { ids } = await sim.script<{ ids: number[] }>('POST', 'calls/bulk', {
        count: 1000,
        state: 'talking',
      });
      const page = await sim.xapiJson<{ value: Row[]; '@odata.count': number }>('ActiveCalls?$count=true');
      assert.equal(page['@odata.count'], 1000);
      const internal = page.value.filter((r) => !isTrunkLeg(r.Caller) && !isTrunkLeg(r.Callee)).length;
      const dns = await client.json<DnInfo[]>('');
      assert.equal(dns.length, 10_000 + 10);
      const participants = dns.flatMap((d) => d.participants);
      assert.equal(participants.length, 1000 + internal, 'one participant per call, two for internal calls');
      assert.ok(participants.every((p) => p.status === 'Connected' && ids.includes(p.callid)));
      await client.next(0, 1000 + internal); // every participant was announced
    } finally {
      client.close();
      await sim.stop();
    }
  });
});

describe('simulate --calls K', () => {
  it('holds K connected calls from the start', async () => {
    const process = CliProcess.start(['simulate', '--port', '0', '--traffic', 'none', '--calls', '7']);
    try {
      const url = (await process.waitForOutput(/^listening (https:\/\/127\.0\.0\.1:\d+)$/m, 20_000))[1]!;
      await process.waitForOutput(/7 calls held/);
      const token = await call(`${url}/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=simulator&client_secret=simulator-secret&grant_type=client_credentials',
      });
      const rows = await call(`${url}/xapi/v1/ActiveCalls`, {
        headers: { authorization: `Bearer ${token.json<{ access_token: string }>().access_token}` },
      });
      const value = rows.json<{ value: Row[] }>().value;
      assert.equal(value.length, 7);
      assert.ok(value.every((r) => r.Status === 'Talking'));
    } finally {
      process.kill();
    }
  });
});
