// GET /sim/calls/history: the simulator's ground truth of ended calls (ids, direction, real caller, outcome by the
// gateway's rules, times), checked for scripted calls and against the call log under busy traffic; and
// LastCdrAndChatMessageTimestamp, the cheap "anything new?" probe, against the call log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallHistoryEntry } from '../../src/sim/call-history.ts';
import type { CallLogData } from '../../src/sim/call-rows.ts';
import { manualClock } from '../../src/sim/clock.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

/** A manual PBX clock: the times below are exact. */
const START = Date.parse('2026-03-04T09:15:00Z');

const WIDE_LOG =
  "ReportCallLogData/Pbx.GetCallLogData(periodFrom=2000-01-01T00:00:00Z,periodTo=2100-01-01T00:00:00Z,sourceType=0,sourceFilter=''," +
  "destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)";

describe('call history (ground truth)', () => {
  let sim: SimHarness;
  let a = '';
  let b = '';
  let queue = '';
  let agent = '';

  before(async () => {
    sim = await SimHarness.start({ extensions: 20, queues: 1, seed: 2, clock: manualClock(START) });
    [a, b] = (await sim.registeredExtensions()) as [string, string];
    queue = (await sim.script<{ queues: string[] }>('GET', 'state')).queues[0]!;
    const agents = await sim.xapiJson<{ value: { Agents: { Number: string }[] }[] }>('Queues?$expand=Agents');
    agent = agents.value[0]!.Agents[0]!.Number;
  });
  after(() => sim.stop());

  const history = async (since?: string) =>
    (
      await sim.script<{ calls: CallHistoryEntry[] }>(
        'GET',
        `calls/history${since ? `?since=${encodeURIComponent(since)}` : ''}`,
      )
    ).calls;
  const clock = (seconds: number) => sim.script('POST', 'clock', { advance_seconds: seconds });

  /** Runs a scripted call (steps: [action, body?, seconds after]) and answers its history entry. */
  async function scripted(
    from: string,
    to: string,
    steps: [string, Record<string, string>?, number?][],
    trunk?: string,
  ): Promise<CallHistoryEntry> {
    const started = await sim.script<{ id: number }>('POST', 'calls', { from, to, trunk });
    for (const [action, body, wait] of steps) {
      await sim.script('POST', `calls/${started.id}/${action}`, body);
      if (wait) await clock(wait);
    }
    await sim.script('POST', `calls/${started.id}/hangup`);
    const entry = (await history()).find((e) => e.pbx_call_ids.includes(started.id));
    assert.ok(entry, `no history entry for call ${started.id}`);
    return entry;
  }

  it('records an answered inbound call with the real caller, its ids and UTC times', async () => {
    const started = await sim.script<{ id: number; main_call_history_id: string }>('POST', 'calls', {
      from: '+4930999888',
      to: a,
      trunk: '10000',
    });
    const establishedAt = (
      await sim.xapiJson<{ value: { Id: number; EstablishedAt: string }[] }>('ActiveCalls')
    ).value.find((r) => r.Id === started.id)!.EstablishedAt;
    await sim.script('POST', `calls/${started.id}/ring`);
    await clock(3);
    await sim.script('POST', `calls/${started.id}/answer`);
    await clock(42);
    await sim.script('POST', `calls/${started.id}/hangup`);
    const entry = (await history()).find((e) => e.pbx_call_ids.includes(started.id))!;
    assert.deepEqual(
      { ...entry, started_at: Date.parse(entry.started_at) },
      {
        pbx_call_ids: [started.id],
        main_call_history_id: started.main_call_history_id,
        direction: 'inbound',
        caller_number: '+4930999888',
        called_number: a,
        agent: a,
        outcome: 'answered',
        started_at: Date.parse(establishedAt),
        answered_at: entry.answered_at,
        ended_at: entry.ended_at,
        duration: 42,
      },
    );
    assert.equal(Date.parse(entry.answered_at!) - Date.parse(entry.started_at), 3000);
    assert.equal(Date.parse(entry.ended_at) - Date.parse(entry.answered_at!), 42_000);
    assert.match(entry.ended_at, /Z$/);
  });

  it('gives each kind of call the outcome the gateway’s rules give it', async () => {
    const missed = await scripted('+4930100001', a, [['ring', undefined, 10]]);
    assert.deepEqual(
      [missed.direction, missed.outcome, missed.answered_at, missed.duration],
      ['inbound', 'missed', null, 0],
    );
    const voicemail = await scripted('+4930100002', a, [
      ['ring', undefined, 20],
      ['voicemail', undefined, 15],
    ]);
    assert.deepEqual([voicemail.outcome, voicemail.agent], ['voicemail', null]);
    const unanswered = await scripted(a, '+4989100003', [['ring', undefined, 20]]);
    assert.deepEqual(
      [unanswered.direction, unanswered.outcome, unanswered.called_number],
      ['outbound', 'unanswered', '+4989100003'],
    );
    const outbound = await scripted(a, '+4989100004', [['ring'], ['answer', undefined, 30]]);
    assert.deepEqual([outbound.outcome, outbound.agent, outbound.duration], ['answered', a, 30]);
    const internal = await scripted(a, b, [['answer', undefined, 5]]);
    assert.deepEqual(
      [internal.direction, internal.caller_number, internal.outcome, internal.agent],
      ['internal', a, 'answered', b],
    );
    const internalMissed = await scripted(a, b, []);
    assert.deepEqual([internalMissed.direction, internalMissed.outcome], ['internal', 'missed']);
    const queued = await scripted('+4930100005', queue, [
      ['ring', undefined, 12],
      ['answer', { by: agent }, 8],
    ]);
    assert.deepEqual([queued.called_number, queued.agent, queued.outcome], [queue, agent, 'answered']);
    const abandoned = await scripted('+4930100006', queue, [['ring', undefined, 30]]);
    assert.equal(abandoned.outcome, 'missed');
    const transferred = await scripted('+4930100007', a, [
      ['answer', undefined, 5],
      ['transfer', { to: b }],
      ['ring'],
      ['answer', undefined, 5],
    ]);
    assert.deepEqual([transferred.outcome, transferred.agent], ['answered', b]);
    const forwarded = await scripted('+4930100008', a, [
      ['ring'],
      ['transfer', { to: '+4989100009' }],
      ['ring'],
    ]);
    assert.deepEqual([forwarded.direction, forwarded.outcome], ['external', 'unanswered']);
  });

  it('answers the calls that ended at or after `since`', async () => {
    const all = await history();
    const cut = all[all.length - 3]!.ended_at;
    const later = await history(cut);
    assert.deepEqual(
      later,
      all.filter((e) => e.ended_at >= cut),
    );
    assert.ok(later.length >= 3);
    await assert.rejects(sim.script('GET', 'calls/history?since=soon'), /400/);
  });
});

describe('ground truth under busy traffic', () => {
  it('agrees with the call log for every call', async () => {
    const sim = await SimHarness.start({
      extensions: 30,
      ringGroups: 3,
      queues: 2,
      traffic: 'busy',
      seed: 9,
    });
    try {
      await sim.script('POST', 'traffic', { steps: 1200 });
      const entries = (await sim.script<{ calls: CallHistoryEntry[] }>('GET', 'calls/history')).calls;
      const rows = (await sim.xapiJson<{ value: CallLogData[] }>(`${WIDE_LOG}?$top=100000`)).value;
      const legs = new Map<string, CallLogData[]>();
      for (const row of rows)
        legs.set(row.MainCallHistoryId!, [...(legs.get(row.MainCallHistoryId!) ?? []), row]);
      const active = await sim.script<{ active_calls: { main_call_history_id: string }[] }>('GET', 'state');
      for (const call of active.active_calls) legs.delete(call.main_call_history_id); // not ended yet
      assert.ok(entries.length > 100, `${entries.length} calls`);
      assert.equal(
        entries.length,
        legs.size,
        'every call left call-log rows, and every call-log call is in the history',
      );
      const outcomes = new Set<string>();
      for (const entry of entries) {
        const mine = legs.get(entry.main_call_history_id);
        assert.ok(mine, entry.main_call_history_id);
        assert.deepEqual([...new Set(mine.map((l) => l.CallId))], entry.pbx_call_ids);
        const personAnswered = mine.some((l) => l.Answered && l.DestinationType !== 5);
        const voicemail = mine.some((l) => l.DestinationType === 5);
        assert.equal(entry.outcome === 'answered', personAnswered, `${entry.main_call_history_id} answered`);
        if (!personAnswered) {
          const expected =
            entry.direction === 'outbound' || entry.direction === 'external'
              ? 'unanswered'
              : voicemail
                ? 'voicemail'
                : 'missed';
          assert.equal(entry.outcome, expected);
        }
        const first = mine.reduce((x, y) => (Date.parse(x.StartTime!) <= Date.parse(y.StartTime!) ? x : y));
        if (entry.direction === 'inbound') assert.equal(entry.caller_number, first.SourceCallerId);
        outcomes.add(`${entry.direction}/${entry.outcome}`);
      }
      for (const kind of [
        'inbound/answered',
        'inbound/missed',
        'inbound/voicemail',
        'outbound/answered',
        'outbound/unanswered',
        'internal/answered',
      ])
        assert.ok(outcomes.has(kind), `no ${kind} call in ${[...outcomes].join(', ')}`);
    } finally {
      await sim.stop();
    }
  });
});
