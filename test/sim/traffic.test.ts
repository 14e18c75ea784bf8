// Traffic: repeatable with --seed, and rich enough to exercise a gateway (every call kind, presence, trunk outages).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../../src/sim/clock.ts';
import { Simulator } from '../../src/sim/simulator.ts';

const START = Date.parse('2026-03-29T00:30:00Z');

function run(seed: number, ticks: number, level: 'normal' | 'busy' = 'busy') {
  const clock = manualClock(START);
  const sim = new Simulator({
    seed,
    extensions: 40,
    ringGroups: 3,
    queues: 2,
    trunks: 2,
    traffic: level,
    clock,
    autoTick: false,
  });
  const activeSnapshots: string[] = [];
  let trunkOutages = 0;
  let maxConcurrent = 0;
  const profiles = new Map(sim.model.users.map((u) => [u.Number, u.CurrentProfileName]));
  let presenceChanges = 0;
  for (let i = 0; i < ticks; i++) {
    clock.advance(1000);
    sim.traffic.step();
    if (i % 10 === 0) activeSnapshots.push(JSON.stringify(sim.calls.activeRows()));
    if (sim.model.trunks.some((t) => !t.IsOnline)) trunkOutages++;
    maxConcurrent = Math.max(maxConcurrent, sim.calls.active.size);
    for (const user of sim.model.users) {
      if (profiles.get(user.Number) !== user.CurrentProfileName) presenceChanges++;
      profiles.set(user.Number, user.CurrentProfileName);
    }
  }
  return { sim, activeSnapshots, trunkOutages, maxConcurrent, presenceChanges };
}

describe('simulated traffic', () => {
  it('is the same for the same seed: directory, active calls at every step, call log', () => {
    const a = run(42, 900);
    const b = run(42, 900);
    assert.deepEqual(JSON.stringify(a.sim.model.users), JSON.stringify(b.sim.model.users));
    assert.deepEqual(a.activeSnapshots, b.activeSnapshots);
    assert.deepEqual(a.sim.calls.callLog, b.sim.calls.callLog);
    assert.ok(a.sim.calls.callLog.length > 50);
  });

  it('differs with another seed', () => {
    const a = run(42, 300);
    const c = run(43, 300);
    assert.notDeepEqual(JSON.stringify(a.sim.model.users), JSON.stringify(c.sim.model.users));
    assert.notDeepEqual(a.sim.calls.callLog, c.sim.calls.callLog);
  });

  it('produces every kind of call, concurrency, presence changes and a trunk outage', () => {
    const { sim, trunkOutages, maxConcurrent, presenceChanges } = run(7, 3600);
    const log = sim.calls.callLog;
    const directions = new Set(log.map((r) => r.Direction));
    for (const d of ['Inbound', 'Outbound', 'Internal', 'Inbound Queue'])
      assert.ok(directions.has(d), `no ${d} call`);
    assert.ok(
      log.some((r) => r.DestinationType === 5 && r.Answered === true),
      'no voicemail pickup',
    );
    assert.ok(
      log.some((r) => r.DestinationType === 16),
      'no ring-group leg',
    );
    assert.ok(
      log.some((r) => r.Answered === false && r.DestinationType === 0),
      'no unanswered leg',
    );
    const byCall = new Map<string, Record<string, unknown>[]>();
    for (const row of log)
      byCall.set(row.MainCallHistoryId as string, [
        ...(byCall.get(row.MainCallHistoryId as string) ?? []),
        row,
      ]);
    assert.ok(
      [...byCall.values()].some((legs) => legs.length >= 2),
      'no call with several legs',
    );
    assert.ok(maxConcurrent >= 5, `at most ${maxConcurrent} concurrent calls`);
    assert.ok(presenceChanges > 50, `${presenceChanges} presence changes`);
    assert.ok(trunkOutages > 0, 'no trunk went offline');
    assert.ok(sim.calls.recordings.length > 0, 'no recordings');
  });

  it('stays quiet with traffic none', () => {
    const { sim, presenceChanges } = run(1, 300, 'normal');
    const quiet = new Simulator({ seed: 1, traffic: 'none', autoTick: false, clock: manualClock(START) });
    for (let i = 0; i < 300; i++) quiet.traffic.step();
    assert.equal(quiet.calls.callLog.length, 0);
    assert.ok(sim.calls.callLog.length > 0 && presenceChanges > 0);
  });
});
