// The published state after a directory poll looks again only at users that are new, changed or in a call that
// moved: at 10,000 users a poll that changes one must not rebuild ten thousand payloads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActiveCall, Extension, PbxSnapshot } from '../../src/domain/types.ts';
import { PublishedState } from '../../src/entities/state.ts';

let reads = 0;
/** A user whose fields count their reads (payload building reads them; passing the object along does not). */
function counted(number: string, presence = 'Available'): Extension {
  const fields: Extension = {
    id: Number(number),
    number,
    name: `User ${number}`,
    firstName: 'User',
    lastName: number,
    presence,
    registered: true,
    queueStatus: null,
    profiles: ['Available', 'Away'],
  };
  return new Proxy(fields, {
    get(target, key, receiver) {
      if (key !== 'number') reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

const ringing = (callee: string): ActiveCall => ({
  id: 1,
  caller: '10000 Telco (4930123456)',
  callee: `${callee} User ${callee}`,
  status: 'Ringing',
  establishedAt: null,
  lastChangeStatus: null,
  serverNow: null,
});

describe('projection after a directory poll', () => {
  it('builds payloads only for new and changed users and those whose call status moved', () => {
    const state = new PublishedState();
    const users = Array.from({ length: 500 }, (_, i) => counted(String(100 + i)));
    const snapshot: PbxSnapshot = { reachable: true, extensions: users, activeCalls: [] };
    const view = (s: PbxSnapshot) => ({ pbxId: 'pbx', realtime: 'off' as const, snapshot: s });
    assert.ok(state.project(view(snapshot), false));

    reads = 0;
    const next = [...users];
    next[7] = counted('107', 'Away');
    const change = state.project(
      view({ ...snapshot, extensions: next, activeCalls: [ringing('120')] }),
      false,
    );
    assert.deepEqual(change?.changed.map((s) => s.number).sort(), ['107', '120']);
    const perUser = reads;
    assert.ok(perUser > 0 && perUser < 40, `fields read for 2 of 500 users, not all: ${perUser}`);

    reads = 0;
    assert.equal(
      state.project(view({ ...snapshot, extensions: [...next], activeCalls: [ringing('120')] }), false),
      undefined,
    );
    assert.equal(reads, 0, 'an unchanged directory reads no user');
    assert.equal(state.ofKind('extension').find((s) => s.number === '107')?.payload.presence, 'Away');
  });
});
