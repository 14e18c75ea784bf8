// The call tracker on recorded-style ActiveCalls sequences: 3CX's quirks, one step at a time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallTracker, directionOf } from '../../src/domain/call-tracker.ts';
import { Directory } from '../../src/domain/directory.ts';
import type { ActiveCall, PbxSnapshot } from '../../src/domain/types.ts';

const snapshot: PbxSnapshot = {
  reachable: true,
  extensions: ['101', '102', '103'].map((n, i) => ({
    id: i,
    number: n,
    name: `User ${n}`,
    firstName: '',
    lastName: '',
    presence: null,
    registered: true,
    queueStatus: null,
    profiles: [],
  })),
  queues: [{ id: 9, number: '900', name: 'Support', strategy: null, registered: true, agents: [] }],
  ringGroups: [{ id: 8, number: '800', name: 'Sales', strategy: null, registered: true, members: [] }],
  trunks: [
    {
      id: 7,
      number: '10000',
      name: 'Telco',
      online: true,
      externalNumber: '4930000000',
      dids: ['4930000001'],
    },
  ],
};
const directory = new Directory(snapshot, '999');
const T0 = Date.parse('2026-05-04T10:00:00Z');

function tracker(clock: { now: number }) {
  return new CallTracker({
    now: () => clock.now,
    isVip: (n) => n === '+4917600000',
    contactName: (n) => (n === '+4917600000' ? 'Boss' : null),
  });
}
function row(id: number, caller: string, callee: string, status: string, at: number, since = T0): ActiveCall {
  return {
    id,
    caller,
    callee,
    status,
    establishedAt: new Date(T0).toISOString(),
    lastChangeStatus: new Date(since).toISOString(),
    serverNow: new Date(at).toISOString(),
  };
}

describe('call tracker', () => {
  it('counts a call first seen already talking (it skipped Ringing between polls): answered, no ringing event', () => {
    const clock = { now: T0 + 1000 };
    const t = tracker(clock);
    const first = t.observe(
      [row(1, '10000 Telco (4917600000)', '101 User 101', 'Talking', T0 + 1000, T0 + 500)],
      directory,
    );
    assert.equal(first.started.length, 1);
    assert.deepEqual(
      first.events.map((e) => e.event_type),
      ['answered'],
    );
    const call = first.started[0]!;
    assert.deepEqual(
      [call.direction, call.caller_number, call.caller_name, call.vip, call.agent],
      ['inbound', '+4917600000', 'Boss', true, '101'],
    );
  });

  it('follows ROUTER to the real callee, and ends only after two successful polls without the call', () => {
    const clock = { now: T0 };
    const t = tracker(clock);
    t.observe([row(2, '10000 Telco (4930555000)', 'ROUTER', 'Routing', T0)], directory);
    clock.now = T0 + 2000;
    let r = t.observe([row(2, '10000 Telco (4930555000)', '102 User 102', 'Ringing', T0 + 2000)], directory);
    assert.equal(r.changed[0]!.called_number, '102');
    assert.equal(r.changed[0]!.status, 'ringing');
    clock.now = T0 + 4000;
    r = t.observe([], directory);
    assert.deepEqual(r.ended, [], 'one poll without it is not an end');
    clock.now = T0 + 6000;
    r = t.observe([], directory);
    assert.equal(r.ended[0]!.outcome, 'missed');
    assert.equal(r.ended[0]!.ended_at, new Date(T0 + 4000).toISOString(), 'ended when first missed');
    assert.deepEqual(
      r.events.map((e) => e.event_type),
      ['ended', 'missed'],
    );
  });

  it('a caller on hold music at a queue (Talking to the queue DN) is waiting, not answered', () => {
    const clock = { now: T0 };
    const t = tracker(clock);
    const r = t.observe([row(3, '10000 Telco (4930555001)', '900 Support', 'Talking', T0)], directory);
    assert.equal(r.started[0]!.status, 'ringing');
    assert.equal(r.started[0]!.answered_at, null);
    assert.deepEqual(
      r.events.map((e) => e.event_type),
      ['ringing'],
    );
  });

  it('reads the agent row when one call Id is listed twice (queue Talking, agent Ringing)', () => {
    const clock = { now: T0 };
    const t = tracker(clock);
    t.observe(
      [
        row(4, '10000 Telco (4930555002)', '900 Support', 'Talking', T0),
        row(4, '10000 Telco (4930555002)', '101 User 101', 'Ringing', T0),
      ],
      directory,
    );
    const r = t.observe(
      [row(4, '10000 Telco (4930555002)', '101 User 101', 'Talking', T0 + 2000, T0 + 1500)],
      directory,
    );
    assert.deepEqual(
      r.events.map((e) => e.event_type),
      ['answered'],
    );
    assert.equal(t.active.length, 1);
  });

  it('folds a new Id for a caller who was waiting at a queue into the same logical call', () => {
    const clock = { now: T0 };
    const t = tracker(clock);
    t.observe([row(5, '10000 Telco (4930555003)', '900 Support', 'Ringing', T0)], directory);
    const r = t.observe(
      [row(6, '10000 Telco (4930555003)', '103 User 103', 'Talking', T0 + 2000, T0 + 1800)],
      directory,
    );
    assert.equal(r.started.length, 0, 'not a second call');
    assert.equal(t.active.length, 1);
    assert.deepEqual(t.active[0]!.pbx_call_ids, [5, 6]);
    assert.equal(t.active[0]!.called_number, '900');
    assert.equal(t.active[0]!.agent, '103');
  });

  it('never takes the trunk DID for the caller', () => {
    const clock = { now: T0 };
    const t = tracker(clock);
    const r = t.observe([row(7, '10000 Telco (4930000001)', '101 User 101', 'Ringing', T0)], directory);
    assert.equal(r.started[0]!.caller_number, null);
    assert.equal(t.unresolved()[0]!.trunkDn, '10000');
    const resolved = t.resolveCaller(r.started[0]!.id, '+4917600000');
    assert.deepEqual(
      [resolved!.caller_number, resolved!.caller_name, resolved!.vip],
      ['+4917600000', 'Boss', true],
    );
    assert.equal(t.unresolved().length, 0);
  });

  it('voicemail: status voicemail, outcome voicemail (a miss), duration 0', () => {
    const clock = { now: T0 };
    const t = tracker(clock);
    t.observe([row(8, '10000 Telco (4930555004)', '101 User 101', 'Ringing', T0)], directory);
    const vm = t.observe(
      [row(8, '10000 Telco (4930555004)', 'VoiceMail of 101 User 101', 'Talking', T0 + 2000)],
      directory,
    );
    assert.deepEqual(
      vm.events.map((e) => e.event_type),
      ['voicemail'],
    );
    t.observe([], directory);
    const end = t.observe([], directory);
    assert.deepEqual(
      [end.ended[0]!.outcome, end.ended[0]!.duration, end.ended[0]!.agent],
      ['voicemail', 0, null],
    );
  });

  it('direction from DN types, not digit counts', () => {
    assert.equal(directionOf('trunk', 'extension'), 'inbound');
    assert.equal(directionOf('extension', 'trunk'), 'outbound');
    assert.equal(directionOf('extension', 'queue'), 'internal');
    assert.equal(directionOf('trunk', 'trunk'), 'external');
    assert.equal(directionOf('extension', 'router'), undefined);
  });
});
