// Call Control participants for every kind of call the engine has, against the ActiveCalls view of the same calls:
// the upserts and removes each change sends (in order), the participants' fields, and that both views agree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActiveCall } from '../../src/sim/active-calls.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import {
  assertFields,
  CallControlClient,
  shape,
  type DnInfo,
  type Participant,
  type WireEvent,
} from './callcontrol-client.ts';

type ActiveRow = ActiveCall;

describe('Call Control participants follow the calls', () => {
  let sim: SimHarness;
  let client: CallControlClient;
  let a = '';
  let b = '';
  let c = '';
  let did = '';
  let group = '';
  let groupMembers: string[] = [];
  let queue = '';
  let agent = '';
  let cursor = 0;

  before(async () => {
    sim = await SimHarness.start({ extensions: 30, ringGroups: 2, queues: 2, seed: 4 });
    const registered = await sim.registeredExtensions();
    const state = await sim.script<{ trunks: { did: string }[]; queues: string[] }>('GET', 'state');
    did = state.trunks[0]!.did;
    queue = state.queues[0]!;
    const groups = await sim.xapiJson<{ value: { Number: string; Members: { Number: string }[] }[] }>(
      'RingGroups?$expand=Members',
    );
    const chosen = groups.value.find(
      (g) => g.Members.filter((m) => registered.includes(m.Number)).length >= 2,
    )!;
    group = chosen.Number;
    groupMembers = chosen.Members.map((m) => m.Number).filter((n) => registered.includes(n));
    const queues = await sim.xapiJson<{ value: { Number: string; Agents: { Number: string }[] }[] }>(
      'Queues?$expand=Agents',
    );
    agent = queues.value
      .find((q) => q.Number === queue)!
      .Agents.find((x) => registered.includes(x.Number))!.Number;
    [a, b, c] = registered.filter((n) => !groupMembers.includes(n) && n !== agent) as [
      string,
      string,
      string,
    ];
    client = await CallControlClient.connect(sim, await sim.clientToken());
  });
  after(async () => {
    client.close();
    await sim.stop();
  });

  /** Runs one scripted step; answers the events it caused (exactly `count` of them). */
  async function step(count: number, path: string, body?: unknown): Promise<WireEvent[]> {
    const from = cursor;
    const answer = await sim.script<{ id: number }>('POST', path, body);
    const events = count > 0 ? await client.next(from, count) : [];
    await new Promise((resolve) => setTimeout(resolve, 30)); // nothing more arrives
    assert.equal(
      client.events.length,
      from + count,
      `${path}: ${JSON.stringify(shape(client.events.slice(from)))}`,
    );
    cursor = from + count;
    lastId = answer.id ?? lastId;
    return events;
  }
  let lastId = 0;

  const participant = (event: WireEvent) => client.json<Participant>(event.event.entity);
  const active = async () => (await sim.xapiJson<{ value: ActiveRow[] }>('ActiveCalls')).value;

  /** Both views agree: every participant's call is in ActiveCalls, in a matching state, and vice versa. */
  async function consistent(): Promise<void> {
    const dns = await client.json<DnInfo[]>('');
    const rows = new Map((await active()).map((r) => [r.Id, r]));
    const monitored = new Set(dns.map((d) => d.dn));
    for (const dn of dns) {
      for (const p of dn.participants) {
        const row = rows.get(p.callid);
        assert.ok(row, `participant ${p.id} at ${dn.dn}: call ${p.callid} is not in ActiveCalls`);
        assert.equal(p.dn, dn.dn);
        const allowed: Record<string, string[]> = {
          Ringing: ['Ringing'],
          Dialing: ['Initiating', 'Routing', 'Ringing'],
          Connected: ['Talking', 'Held', 'Transferring', 'Ringing'],
        };
        assert.ok(
          allowed[p.status]!.includes(row.Status),
          `${p.status} at ${dn.dn} vs ActiveCalls ${row.Status}`,
        );
      }
    }
    for (const row of rows.values()) {
      const callee = row.Callee.split(' ')[0]!;
      if (row.Callee.startsWith('VoiceMail') || !monitored.has(callee)) continue;
      const at = dns.find((d) => d.dn === callee)!.participants;
      assert.ok(
        at.some((p) => p.callid === row.Id),
        `ActiveCalls ${row.Id} (${row.Callee}) has no participant at ${callee}`,
      );
    }
  }

  it('inbound to an extension: nothing while routing, Ringing with the real caller and the DID, Connected, removed', async () => {
    assert.deepEqual(await step(0, 'calls', { from: '+4930999888', to: a, trunk: '10000' }), []);
    await consistent();
    const ringing = await step(1, `calls/${lastId}/ring`);
    assert.deepEqual(shape(ringing), [`+${a}`]);
    const p = await participant(ringing[0]!);
    const row = (await active()).find((r) => r.Id === lastId)!;
    assert.match(row.Caller, new RegExp(`\\(${did}\\)$`), 'ActiveCalls shows the DID on trunk 10000');
    assertFields(p, {
      callid: row.Id,
      status: 'Ringing',
      party_caller_id: '+4930999888', // the real caller, not the DID ActiveCalls shows
      party_did: did,
      party_dn: '10000',
      party_dn_type: 'Wexternalline',
      originated_by_dn: 'ROUTER',
      originated_by_type: 'Wroutepoint',
    });
    assert.match(p.device_id, /^sip:/);
    await consistent();
    const answered = await step(1, `calls/${lastId}/answer`);
    assert.deepEqual(shape(answered), [`+${a}`]);
    assert.equal(answered[0]!.event.entity, ringing[0]!.event.entity, 'the same participant');
    assert.equal((await participant(answered[0]!)).status, 'Connected');
    await consistent();
    const ended = await step(1, `calls/${lastId}/hangup`);
    assert.deepEqual(shape(ended), [`-${a}`]);
    assert.equal((await client.rest(ended[0]!.event.entity)).status, 404);
    await consistent();
  });

  it('fast answer: Ringing then Connected in the same tick', async () => {
    await step(0, 'calls', { from: '+4930111222', to: a });
    const events = await step(2, `calls/${lastId}/answer`);
    assert.deepEqual(shape(events), [`+${a}`, `+${a}`]);
    assert.equal((await participant(events[1]!)).status, 'Connected');
    await consistent();
    await step(1, `calls/${lastId}/hangup`);
  });

  it('missed: Ringing, then removed without ever being Connected', async () => {
    await step(0, 'calls', { from: '+4930111333', to: a });
    assert.deepEqual(shape(await step(1, `calls/${lastId}/ring`)), [`+${a}`]);
    assert.deepEqual(shape(await step(1, `calls/${lastId}/hangup`)), [`-${a}`]);
  });

  it('voicemail: the extension’s leg goes; with the voicemail DN monitored, a Connected leg there for the owner', async () => {
    await step(0, 'calls', { from: '+4930111444', to: a });
    await step(1, `calls/${lastId}/ring`);
    assert.deepEqual(shape(await step(1, `calls/${lastId}/voicemail`)), [`-${a}`]);
    const row = (await active()).find((r) => r.Id === lastId)!;
    assert.equal(row.Status, 'Talking');
    assert.match(row.Callee, /^VoiceMail of /);
    await consistent();
    await step(0, `calls/${lastId}/hangup`);

    const box = (await sim.xapiJson<{ Extension: string }>('VoicemailSettings')).Extension;
    await sim.script('PATCH', 'callcontrol', { monitored: [a, box] });
    try {
      const listed = await client.json<DnInfo[]>('');
      assert.deepEqual(
        listed.map((d) => [d.dn, d.type]),
        [
          [a, 'Wextension'],
          [box, 'Wspecialmenu'],
        ],
      );
      await step(0, 'calls', { from: '+4930111555', to: a });
      await step(1, `calls/${lastId}/ring`);
      const moved = await step(2, `calls/${lastId}/voicemail`);
      assert.deepEqual(shape(moved), [`+${box}`, `-${a}`]);
      assertFields(await participant(moved[0]!), {
        status: 'Connected',
        on_behalf_of_dn: a,
        party_caller_id: '+4930111555',
      });
      await consistent();
      assert.deepEqual(shape(await step(1, `calls/${lastId}/hangup`)), [`-${box}`]);
    } finally {
      await sim.script('PATCH', 'callcontrol', { monitored: 'all' });
    }
  });

  it('ring group: every registered member rings for the group; the one who answers stays, the others go', async () => {
    await step(0, 'calls', { from: '+4930222111', to: group });
    const ringing = await step(groupMembers.length, `calls/${lastId}/ring`);
    assert.deepEqual(
      shape(ringing),
      groupMembers.map((m) => `+${m}`),
    );
    for (const event of ringing) {
      assertFields(await participant(event), {
        status: 'Ringing',
        on_behalf_of_dn: group,
        on_behalf_of_type: 'Wringgroup',
        party_caller_id: '+4930222111',
      });
    }
    await consistent();
    const winner = groupMembers[1]!;
    const answered = await step(groupMembers.length, `calls/${lastId}/answer`, { by: winner });
    assert.deepEqual(shape(answered), [
      `+${winner}`,
      ...groupMembers.filter((m) => m !== winner).map((m) => `-${m}`),
    ]);
    assert.equal(
      answered[0]!.event.entity,
      ringing[1]!.event.entity,
      'the answering member keeps its participant',
    );
    assertFields(await participant(answered[0]!), { status: 'Connected', on_behalf_of_dn: group });
    assert.ok((await active()).find((r) => r.Id === lastId)!.Callee.startsWith(`${winner} `));
    await consistent();
    assert.deepEqual(shape(await step(1, `calls/${lastId}/hangup`)), [`-${winner}`]);
  });

  it('queue: the waiting caller is a participant of the queue, then moves to the agent (upsert before remove)', async () => {
    await step(0, 'calls', { from: '+4930333111', to: queue });
    const waiting = await step(1, `calls/${lastId}/ring`);
    assert.deepEqual(shape(waiting), [`+${queue}`]);
    const q = await participant(waiting[0]!);
    assertFields(q, { status: 'Ringing', party_caller_id: '+4930333111', device_id: '' });
    await consistent();
    const moved = await step(2, `calls/${lastId}/answer`, { by: agent });
    assert.deepEqual(shape(moved), [`+${agent}`, `-${queue}`]);
    assertFields(await participant(moved[0]!), {
      status: 'Connected',
      on_behalf_of_dn: queue,
      on_behalf_of_type: 'Wqueue',
      callid: q.callid,
    });
    await consistent();
    assert.deepEqual(shape(await step(1, `calls/${lastId}/hangup`)), [`-${agent}`]);
  });

  it('outbound: Dialing at the caller’s DN with the dialled number, Connected when the far end answers', async () => {
    const started = await step(1, 'calls', { from: a, to: '+4989123456' });
    assert.deepEqual(shape(started), [`+${a}`]);
    assertFields(await participant(started[0]!), {
      status: 'Dialing',
      party_caller_id: '+4989123456',
      party_dn: '10000',
      party_dn_type: 'Wexternalline',
    });
    await consistent();
    assert.deepEqual(shape(await step(1, `calls/${lastId}/ring`)), [`+${a}`]);
    assert.equal((await participant(started[0]!)).status, 'Dialing');
    await consistent();
    const answered = await step(1, `calls/${lastId}/answer`);
    assert.equal((await participant(answered[0]!)).status, 'Connected');
    await consistent();
    assert.deepEqual(shape(await step(1, `calls/${lastId}/hangup`)), [`-${a}`]);
  });

  it('internal: the caller Dialing and the callee Ringing, both Connected on answer, both removed', async () => {
    const started = await step(2, 'calls', { from: a, to: b });
    assert.deepEqual(shape(started), [`+${a}`, `+${b}`]);
    const [caller, callee] = [await participant(started[0]!), await participant(started[1]!)];
    assertFields(caller, { status: 'Dialing', party_dn: b, party_dn_type: 'Wextension' });
    assertFields(callee, { status: 'Ringing', party_dn: a, party_caller_id: a });
    assert.equal(caller.callid, callee.callid);
    assert.notEqual(caller.legid, callee.legid);
    await consistent();
    const answered = await step(2, `calls/${lastId}/answer`);
    for (const event of answered) assert.equal((await participant(event)).status, 'Connected');
    await consistent();
    assert.deepEqual(shape(await step(2, `calls/${lastId}/hangup`)), [`-${a}`, `-${b}`]);
  });

  it('transfer: the transferring extension stays until the target rings, which is referred by it', async () => {
    await step(0, 'calls', { from: '+4930444111', to: a });
    await step(2, `calls/${lastId}/answer`);
    assert.deepEqual(shape(await step(1, `calls/${lastId}/transfer`, { to: b })), [`+${a}`]);
    assert.equal((await active()).find((r) => r.Id === lastId)!.Status, 'Transferring');
    await consistent();
    const rung = await step(2, `calls/${lastId}/ring`);
    assert.deepEqual(shape(rung), [`+${b}`, `-${a}`]);
    assertFields(await participant(rung[0]!), {
      status: 'Ringing',
      referred_by_dn: a,
      referred_by_type: 'Wextension',
      party_caller_id: '+4930444111',
    });
    await consistent();
    assert.equal((await participant((await step(1, `calls/${lastId}/answer`))[0]!)).status, 'Connected');
    await consistent();
    await step(1, `calls/${lastId}/hangup`);
  });

  it('hold and resume: an upsert each, the participant stays Connected', async () => {
    await step(0, 'calls', { from: '+4930555111', to: c });
    await step(2, `calls/${lastId}/answer`);
    const held = await step(1, `calls/${lastId}/hold`);
    assert.deepEqual(shape(held), [`+${c}`]);
    assert.equal((await participant(held[0]!)).status, 'Connected');
    assert.equal((await active()).find((r) => r.Id === lastId)!.Status, 'Held');
    await consistent();
    assert.deepEqual(shape(await step(1, `calls/${lastId}/resume`)), [`+${c}`]);
    await step(1, `calls/${lastId}/hangup`);
  });

  it('under busy traffic, replaying the events gives exactly the snapshot, and both views agree', async () => {
    await sim.script('POST', 'traffic', { level: 'busy' });
    const present = new Map<string, number>(); // entity -> callid-less marker
    const removed = new Set<string>();
    for (let round = 0; round < 6; round++) {
      await sim.script('POST', 'traffic', { steps: 100 });
      const total = await sim.script<{ connections: number }>('GET', 'callcontrol');
      assert.equal(total.connections, 1);
      // Wait until the stream is quiet, then replay it.
      let seen = -1;
      while (seen !== client.events.length) {
        seen = client.events.length;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const event of client.events.slice(cursor)) {
        const entity = event.event.entity;
        if (event.event.event_type === 0) {
          assert.ok(!removed.has(entity), `upsert after remove: ${entity}`);
          present.set(entity, event.sequence);
        } else if (event.event.event_type === 1) {
          assert.ok(present.has(entity), `remove of an unknown participant: ${entity}`);
          present.delete(entity);
          removed.add(entity);
        }
      }
      cursor = client.events.length;
      const snapshot = (await client.json<DnInfo[]>('')).flatMap((d) =>
        d.participants.map((p) => `/callcontrol/${d.dn}/participants/${p.id}`),
      );
      assert.deepEqual([...present.keys()].sort(), snapshot.sort());
      await consistent();
    }
    assert.ok(removed.size > 50, `only ${removed.size} participants came and went`);
    const sequences = client.events.map((e) => e.sequence);
    assert.deepEqual(
      sequences,
      sequences.map((_, i) => i + 1),
    );
    await sim.script('POST', 'traffic', { level: 'none' });
  });
});
