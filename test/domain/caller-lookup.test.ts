// The caller lookup's rules: end events of a pending trunk call wait for the caller (at most 10 s); a late caller
// is announced as `updated`; reads are wanted at once and fast only for a bounded time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newCallRecord, type CallEvent } from '../../src/domain/call.ts';
import { CALLER_LOOKUP, CallerLookup } from '../../src/domain/caller-lookup.ts';

const call = newCallRecord({ id: 'c1', direction: 'inbound', started_at: '2026-06-01T10:00:00.000Z' });
const pending = { id: 'c1', pbxIds: [7], trunkDn: '10000', startedAt: Date.parse(call.started_at) };
const ended = { ...call, status: 'ended' as const, outcome: 'missed' as const };
const endEvents: CallEvent[] = [
  { event_type: 'ended', call: ended },
  { event_type: 'missed', call: ended },
];

describe('caller lookup', () => {
  it('holds the end events until the caller is found, then sends them with the caller', () => {
    const lookup = new CallerLookup();
    const ringing: CallEvent = { event_type: 'ringing', call };
    const first = lookup.take([ringing], [pending], [], 0);
    assert.deepEqual(first.events, [ringing], 'ringing goes out at once');
    assert.equal(first.readNow, true, 'a new pending caller asks for a read at once');
    const end = lookup.take(endEvents, [], [pending], 4000);
    assert.deepEqual(end.events, [], 'held');
    assert.equal(end.readNow, true);
    assert.deepEqual([...lookup.heldEnded()], ['c1']);
    const found = lookup.resolved({ ...ended, caller_number: '+4930222333', caller_name: 'Erika' });
    assert.deepEqual(
      found.map((e) => [e.event_type, e.call.caller_number, e.call.caller_name]),
      [
        ['ended', '+4930222333', 'Erika'],
        ['missed', '+4930222333', 'Erika'],
      ],
    );
    assert.equal(lookup.heldEnded().size, 0);
  });

  it('a caller that became known live (no longer pending) holds nothing: the end goes out at once', () => {
    const lookup = new CallerLookup();
    lookup.take([{ event_type: 'ringing', call }], [pending], [], 0);
    // Call Control named the caller: the call is no longer pending, and then it ends.
    const answered = { ...call, caller_number: '+4930555001' };
    lookup.take([{ event_type: 'answered', call: answered }], [], [], 500);
    const end: CallEvent = {
      event_type: 'ended',
      call: { ...answered, status: 'ended', outcome: 'answered' },
    };
    assert.deepEqual(lookup.take([end], [], [], 1000).events, [end]);
    assert.equal(lookup.heldEnded().size, 0);
    assert.equal(lookup.nextExpiry(), undefined);
  });

  it('sends them without the caller after 10 s, and `updated` when the caller comes later', () => {
    const lookup = new CallerLookup();
    lookup.take([], [pending], [], 0);
    lookup.take(endEvents, [], [pending], 5000);
    assert.equal(lookup.nextExpiry(), 5000 + CALLER_LOOKUP.holdMs);
    assert.deepEqual(lookup.expire(5000 + CALLER_LOOKUP.holdMs - 1), []);
    assert.deepEqual(
      lookup.expire(5000 + CALLER_LOOKUP.holdMs).map((e) => [e.event_type, e.call.caller_number]),
      [
        ['ended', null],
        ['missed', null],
      ],
    );
    assert.equal(lookup.heldEnded().size, 0, 'counted once released');
    assert.deepEqual(lookup.endedPending(), [pending], 'still looked for');
    const late = lookup.resolved({ ...ended, caller_number: '+4930222333' });
    assert.deepEqual(
      late.map((e) => [e.event_type, e.call.caller_number]),
      [['updated', '+4930222333']],
    );
    assert.deepEqual(lookup.endedPending(), []);
  });

  it('wants fast reads only for a bounded time, and gives up on a caller after 15 minutes', () => {
    const lookup = new CallerLookup();
    lookup.take([], [pending], [], 0);
    assert.equal(lookup.wantsFastReads(CALLER_LOOKUP.fastForMs - 1), true);
    assert.equal(
      lookup.wantsFastReads(CALLER_LOOKUP.fastForMs),
      false,
      'a long ringing call reads at the normal rate',
    );
    lookup.take(endEvents, [], [pending], 60_000);
    assert.equal(lookup.wantsFastReads(60_000 + 1000), true, 'fast again after the end');
    lookup.expire(60_000 + CALLER_LOOKUP.giveUpMs);
    assert.deepEqual(lookup.endedPending(), []);
    assert.equal(lookup.wantsFastReads(60_000 + CALLER_LOOKUP.giveUpMs), false);
  });
});
