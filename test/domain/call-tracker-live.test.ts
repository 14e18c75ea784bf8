// The call tracker fed by Call Control's live view (participants as observations) next to polled snapshots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallTracker } from '../../src/domain/call-tracker.ts';
import { CallControlView, type Participant } from '../../src/domain/callcontrol-view.ts';
import { observationOfRow } from '../../src/domain/call-observation.ts';
import { CallActivity } from '../../src/domain/call-activity.ts';
import { Directory } from '../../src/domain/directory.ts';
import type { PbxSnapshot } from '../../src/domain/types.ts';

const snapshot: PbxSnapshot = {
  reachable: true,
  extensions: ['101', '102'].map((n, i) => ({
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
  ringGroups: [],
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

function participant(fields: Partial<Participant> & Pick<Participant, 'id' | 'dn' | 'callid'>): Participant {
  return {
    status: 'Ringing',
    party_caller_name: '+4917655',
    party_dn: '10000',
    party_caller_id: '+4917655',
    party_did: '4930000001',
    party_dn_type: 'Wexternalline',
    originated_by_dn: 'ROUTER',
    originated_by_type: 'Wroutepoint',
    on_behalf_of_dn: '',
    on_behalf_of_type: 'None',
    legid: 1,
    ...fields,
  };
}

function setup() {
  const clock = { now: T0 };
  const tracker = new CallTracker({ now: () => clock.now, isVip: () => false, contactName: () => null });
  const view = new CallControlView();
  view.reset([
    { dn: '101', type: 'Wextension', participants: [] },
    { dn: '900', type: 'Wqueue', participants: [] },
  ]);
  const live = (callid: number) =>
    tracker.observeLive([view.observation(callid)!], directory, view.callIds());
  return { clock, tracker, view, live };
}

describe('call tracker, live from Call Control', () => {
  it('takes the real caller from party_caller_id, ends at the last remove, and a late poll cannot revive it', () => {
    const { clock, tracker, view, live } = setup();
    view.upsert(participant({ id: 1, dn: '101', callid: 50 }));
    const ringing = live(50);
    assert.deepEqual(
      ringing.events.map((e) => [e.event_type, e.call.caller_number, e.call.called_number]),
      [['ringing', '+4917655', '101']],
    );
    assert.equal(
      new CallActivity([], view.activity()).extensionStatus({ number: '101', registered: true }),
      'ringing',
    );
    clock.now = T0 + 3000;
    view.upsert(participant({ id: 1, dn: '101', callid: 50, status: 'Connected' }));
    assert.deepEqual(
      live(50).events.map((e) => [e.event_type, e.call.agent]),
      [['answered', '101']],
    );
    clock.now = T0 + 13_000;
    assert.equal(view.remove(1), 50);
    assert.equal(view.has(50), false);
    const ended = tracker.endLive([50]);
    assert.deepEqual(
      ended.events.map((e) => [e.event_type, e.call.outcome, e.call.duration]),
      [['ended', 'answered', 10]],
    );
    // A poll answered before the end still lists the call (showing the DID): nothing starts again.
    const stale = tracker.observeSnapshot(
      [
        observationOfRow({
          id: 50,
          caller: '10000 Telco (4930000001)',
          callee: '101 User 101',
          status: 'Talking',
          establishedAt: new Date(T0).toISOString(),
          lastChangeStatus: null,
          serverNow: new Date(T0 + 13_000).toISOString(),
        }),
      ],
      directory,
    );
    assert.deepEqual([stale.started.length, stale.events.length, tracker.active.length], [0, 0, 0]);
  });

  it('a call polled first (DID only) gets its real caller from the live view; polls do not end live calls', () => {
    const { tracker, view, live } = setup();
    const row = observationOfRow({
      id: 60,
      caller: '10000 Telco (4930000001)',
      callee: 'ROUTER',
      status: 'Routing',
      establishedAt: new Date(T0).toISOString(),
      lastChangeStatus: null,
      serverNow: new Date(T0).toISOString(),
    });
    const polled = tracker.observeSnapshot([row], directory);
    assert.equal(polled.started[0]!.caller_number, null);
    view.upsert(participant({ id: 2, dn: '900', callid: 60, originated_by_dn: 'ROUTER' }));
    const changed = live(60);
    assert.deepEqual(
      changed.changed.map((c) => [c.caller_number, c.called_number, c.status]),
      [['+4917655', '900', 'ringing']],
    );
    assert.deepEqual(tracker.unresolved(), []);
    assert.equal(new CallActivity([], view.activity()).waitingCallers({ number: '900' }), 1);
    const empty1 = tracker.observeSnapshot([], directory, view.callIds());
    const empty2 = tracker.observeSnapshot([], directory, view.callIds());
    assert.equal(empty1.ended.length + empty2.ended.length, 0);
    // The agent answers: upsert at the agent, then the queue's leg goes. Still one call, answered by 101.
    view.upsert(
      participant({
        id: 3,
        dn: '101',
        callid: 60,
        status: 'Connected',
        on_behalf_of_dn: '900',
        on_behalf_of_type: 'Wqueue',
        originated_by_dn: '900',
        originated_by_type: 'Wqueue',
      }),
    );
    assert.deepEqual(
      live(60).events.map((e) => [e.event_type, e.call.agent, e.call.called_number]),
      [['answered', '101', '900']],
    );
    view.remove(2);
    assert.equal(view.has(60), true);
    assert.equal(tracker.active.length, 1);
  });

  it('sequence: applies the next, drops a repeat, reports a gap; a new connection starts again from 1', () => {
    const view = new CallControlView();
    assert.deepEqual(
      [1, 2, 2, 5, 6].map((n) => view.sequence(n)),
      ['apply', 'apply', 'duplicate', 'gap', 'apply'],
    );
    view.reset([]);
    assert.equal(view.sequence(7), 'apply');
    view.newConnection();
    assert.equal(view.sequence(1), 'apply');
  });
});
