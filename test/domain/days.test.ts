// Daily counters by local day in pbx.timezone: midnight, DST change days (23 and 25 hours), restarts, with a fake clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Directory } from '../../src/domain/directory.ts';
import { localDay, nextLocalMidnight } from '../../src/domain/local-day.ts';
import type { ActiveCall, PbxSnapshot } from '../../src/domain/types.ts';
import { CallService } from '../../src/gateway/call-service.ts';
import { createLogger } from '../../src/log.ts';
import { CallStore } from '../../src/store/database.ts';

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => Date.parse(iso);
const hours = (ms: number) => ms / 3600_000;

describe('local days in Europe/Berlin', () => {
  it('a normal day has 24 hours', () => {
    const midnight = nextLocalMidnight(at('2026-11-24T12:00:00Z'), BERLIN);
    assert.equal(new Date(midnight).toISOString(), '2026-11-24T23:00:00.000Z');
    assert.equal(hours(nextLocalMidnight(midnight, BERLIN) - midnight), 24);
  });
  it('the spring-forward day has 23 hours', () => {
    const start = nextLocalMidnight(at('2026-03-28T12:00:00Z'), BERLIN);
    assert.equal(new Date(start).toISOString(), '2026-03-28T23:00:00.000Z');
    const end = nextLocalMidnight(start, BERLIN);
    assert.equal(new Date(end).toISOString(), '2026-03-29T22:00:00.000Z');
    assert.equal(hours(end - start), 23);
    assert.equal(localDay(end - 1, BERLIN), '2026-03-29');
    assert.equal(localDay(end, BERLIN), '2026-03-30');
  });
  it('the fall-back day has 25 hours, and both 02:30s are on it', () => {
    const start = nextLocalMidnight(at('2026-10-24T12:00:00Z'), BERLIN);
    const end = nextLocalMidnight(start, BERLIN);
    assert.equal(hours(end - start), 25);
    assert.equal(localDay(at('2026-10-25T00:30:00Z'), BERLIN), '2026-10-25'); // 02:30 CEST
    assert.equal(localDay(at('2026-10-25T01:30:00Z'), BERLIN), '2026-10-25'); // 02:30 CET
    assert.equal(localDay(at('2026-10-25T22:59:59Z'), BERLIN), '2026-10-25');
    assert.equal(localDay(at('2026-10-25T23:00:00Z'), BERLIN), '2026-10-26');
  });
});

describe('daily counters with a fake clock', () => {
  const snapshot: PbxSnapshot = {
    reachable: true,
    extensions: [
      {
        id: 1,
        number: '101',
        name: 'Anna Berg',
        firstName: 'Anna',
        lastName: 'Berg',
        presence: 'Available',
        registered: true,
        queueStatus: null,
        profiles: [],
      },
    ],
    trunks: [
      {
        id: 2,
        number: '10000',
        name: 'Telco',
        online: true,
        externalNumber: '4930000000',
        dids: ['4930000000'],
      },
    ],
  };
  const directory = new Directory(snapshot);
  const row = (id: number, serverNow: number, status = 'Ringing'): ActiveCall => ({
    id,
    caller: `10000 Telco (4940${id})`,
    callee: '101 Anna Berg',
    status,
    establishedAt: new Date(serverNow - 5000).toISOString(),
    lastChangeStatus: new Date(serverNow - 5000).toISOString(),
    serverNow: new Date(serverNow).toISOString(),
  });

  function service(store: CallStore, clock: { now: number }) {
    return new CallService({
      store,
      timeZone: BERLIN,
      vip: [],
      recentLimit: 20,
      missedLimit: 20,
      publicUrl: 'http://localhost:8080',
      log: createLogger('silent'),
      now: () => clock.now,
    });
  }

  /** One missed call: seen at `start`, gone from two polls after `end`. */
  function missedCall(calls: CallService, clock: { now: number }, id: number, start: number, end: number) {
    clock.now = start;
    calls.observe([row(id, start)], directory);
    clock.now = end;
    calls.observe([], directory);
    clock.now = end + 2000;
    calls.observe([], directory);
  }

  it('counts a call on the day it started and a miss on the day it ended, across midnight and the 23-hour day', () => {
    const store = new CallStore(':memory:');
    const clock = { now: 0 };
    const calls = service(store, clock);
    // 23:59:50 on 28 March (CET), ended 00:00:20 on 29 March, the spring-forward day.
    missedCall(calls, clock, 1001, at('2026-03-28T22:59:50Z'), at('2026-03-28T23:00:20Z'));
    clock.now = at('2026-03-28T23:00:30Z');
    let fields = calls.pbxFields();
    assert.deepEqual([fields.total_calls, fields.missed_count, fields.calls_lifetime], [0, 1, 1]);
    assert.deepEqual(store.countsForDay('2026-03-28'), { total: 1, missed: 0 });
    // The day has only 23 hours: 23:59:59 CEST is 21:59:59 UTC, and 22:00 UTC is already the 30th.
    missedCall(calls, clock, 1002, at('2026-03-29T21:00:00Z'), at('2026-03-29T21:01:00Z'));
    clock.now = at('2026-03-29T21:59:59Z');
    fields = calls.pbxFields();
    assert.deepEqual([fields.total_calls, fields.missed_count], [1, 2]);
    clock.now = at('2026-03-29T22:00:00Z');
    fields = calls.pbxFields();
    assert.deepEqual(
      [fields.total_calls, fields.missed_count, fields.calls_lifetime],
      [0, 0, 2],
      'midnight resets, lifetime does not',
    );
    store.close();
  });

  it('the 25-hour day counts until 23:00 UTC', () => {
    const store = new CallStore(':memory:');
    const clock = { now: 0 };
    const calls = service(store, clock);
    missedCall(calls, clock, 2001, at('2026-10-25T00:30:00Z'), at('2026-10-25T00:31:00Z'));
    missedCall(calls, clock, 2002, at('2026-10-25T01:30:00Z'), at('2026-10-25T01:31:00Z'));
    clock.now = at('2026-10-25T22:59:00Z');
    assert.deepEqual([calls.pbxFields().total_calls, calls.pbxFields().missed_count], [2, 2]);
    clock.now = at('2026-10-25T23:00:00Z');
    assert.deepEqual([calls.pbxFields().total_calls, calls.pbxFields().missed_count], [0, 0]);
    store.close();
  });

  it("a restart after midnight never shows yesterday's counts; a restart on the same day keeps them", () => {
    const store = new CallStore(':memory:');
    const clock = { now: 0 };
    missedCall(service(store, clock), clock, 3001, at('2026-06-10T20:00:00Z'), at('2026-06-10T20:01:00Z'));
    clock.now = at('2026-06-10T21:00:00Z');
    assert.equal(service(store, clock).pbxFields().missed_count, 1, 'same day after a restart');
    clock.now = at('2026-06-10T22:00:01Z'); // 00:00:01 CEST on the 11th
    const fields = service(store, clock).pbxFields();
    assert.deepEqual([fields.total_calls, fields.missed_count, fields.calls_lifetime], [0, 0, 1]);
    store.close();
  });
});
