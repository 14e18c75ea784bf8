// The soak's own checks (bench/soak): that they count what they claim, so a soak that prints 0 means 0. The soak
// itself is `npm run soak`, not part of npm test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareCalls,
  logProblems,
  rssGrowthPerHour,
  tallyDay,
  type SimCallEntry,
  type StoredCallRow,
} from '../../bench/soak/checks.ts';
import { chaosPlan, PBX_FAULTS } from '../../bench/soak/schedule.ts';
import { inTree } from '../../bench/soak/watcher.ts';

const simCall = (id: number, outcome = 'answered', extra: Partial<SimCallEntry> = {}): SimCallEntry => ({
  pbx_call_ids: [id],
  main_call_history_id: `main-${id}`,
  direction: 'inbound',
  caller_number: `+49301${id}`,
  outcome,
  started_at: '2026-12-02T10:00:00.000Z',
  ended_at: '2026-12-02T10:01:00.000Z',
  ...extra,
});
const row = (sim: SimCallEntry, extra: Partial<StoredCallRow> = {}): StoredCallRow => ({
  id: `${sim.pbx_call_ids[0]}-x`,
  pbx_call_ids: sim.pbx_call_ids,
  main_call_history_id: sim.main_call_history_id,
  direction: sim.direction,
  caller_number: sim.caller_number,
  status: 'ended',
  outcome: sim.outcome,
  started_at: sim.started_at,
  ended_at: sim.ended_at,
  ...extra,
});

describe('soak: calls against the database', () => {
  it('finds each call once, by MainCallHistoryId or by a folded ActiveCalls Id', () => {
    const [a, b, c] = [simCall(1), simCall(2, 'missed'), simCall(3)];
    const folded = row(b, { id: 'folded', pbx_call_ids: [2, 7], main_call_history_id: null });
    const result = compareCalls([a, b, c], [row(a), folded, row(c, { main_call_history_id: null })]);
    assert.deepEqual(
      [result.calls_expected, result.calls_stored, result.calls_duplicated, result.calls_wrong_outcome],
      [3, 3, 0, 0],
    );
    assert.equal(result.calls_unknown, 0);
  });

  it('counts missing, duplicated, wrong, unknown and open rows', () => {
    const [a, b, c] = [simCall(1), simCall(2, 'missed'), simCall(3)];
    const result = compareCalls(
      [a, b, c],
      [
        row(a),
        row(a, { id: 'again', main_call_history_id: null }),
        row(b, { outcome: 'answered', direction: 'internal', caller_number: null }),
        row(simCall(9), { status: 'talking', ended_at: null }),
      ],
    );
    assert.equal(result.calls_stored, 2, 'c is missing');
    assert.equal(result.calls_duplicated, 1);
    assert.equal(result.calls_wrong_outcome, 1);
    assert.equal(result.calls_wrong_direction, 1);
    assert.equal(result.calls_wrong_caller, 1);
    assert.equal(result.calls_unknown, 1);
    assert.equal(result.calls_open, 1);
    assert.ok(result.examples.some((e) => e.startsWith('missing: call 3')));
  });

  it('counts two calls folded into one row as merged', () => {
    const [a, b] = [simCall(1), simCall(2)];
    const result = compareCalls([a, b], [row(a, { pbx_call_ids: [1, 2] })]);
    assert.deepEqual([result.calls_stored, result.calls_merged, result.calls_unknown], [2, 1, 0]);
  });

  it('tallies the day as the gateway counts: started on it; missed and voicemail ended on it', () => {
    const calls = [
      simCall(1),
      simCall(2, 'missed'),
      simCall(3, 'voicemail'),
      simCall(4, 'unanswered'),
      simCall(5, 'missed', { started_at: '2026-12-01T23:59:50.000Z', ended_at: '2026-12-02T00:00:20.000Z' }),
    ];
    assert.deepEqual(tallyDay(calls, '2026-12-02'), { total: 4, missed: 3 });
  });
});

describe('soak: gateway logs', () => {
  it('counts fatal lines, uncaught exceptions and unhandled rejections, and exits nobody asked for', () => {
    const log = [
      '{"level":30,"msg":"polling"}',
      '{"level":50,"msg":"reading the call log failed"}',
      '{"level":60,"msg":"login refused"}',
      'node:internal/process/promises:391',
      '    triggerUncaughtException(err, true /* fromPromise */);',
    ].join('\n');
    assert.deepEqual(
      (({ crashes, unhandled_rejections, errors }) => ({ crashes, unhandled_rejections, errors }))(
        logProblems(log, true, null),
      ),
      { crashes: 1, unhandled_rejections: 1, errors: 1 },
    );
    assert.equal(logProblems('{"level":30}', false, 1).crashes, 1, 'a silent exit 1 is a crash');
    assert.equal(logProblems('{"level":30}', true, null).crashes, 0, 'a SIGKILL by the soak is not');
  });

  it('extrapolates RSS growth per hour by least squares', () => {
    const samples: [number, number][] = Array.from({ length: 10 }, (_, i) => [i * 60_000, 100 + i * 0.5]);
    assert.ok(Math.abs(rssGrowthPerHour(samples)! - 30) < 1e-9);
    assert.equal(rssGrowthPerHour(samples.slice(0, 1)), null);
  });
});

describe('soak: chaos plan', () => {
  it('is the same for a seed, scales with the minutes, and uses every PBX fault mode', () => {
    const plan = chaosPlan(42, 10 * 60_000);
    assert.deepEqual(chaosPlan(42, 10 * 60_000), plan);
    assert.notDeepEqual(chaosPlan(43, 10 * 60_000), plan);
    const count = (kind: string, events = plan) => events.filter((e) => e.kind === kind).length;
    assert.equal(count('broker-restart'), 20);
    assert.equal(count('pbx-fault'), 20);
    assert.equal(count('gateway-kill'), 20);
    assert.equal(count('broker-restart', chaosPlan(42, 2 * 60_000)), 4);
    const modes = new Set(plan.flatMap((e) => (e.kind === 'pbx-fault' ? [e.mode] : [])));
    assert.deepEqual([...modes].sort(), [...PBX_FAULTS].sort());
    assert.ok(plan.every((e, i) => i === 0 || e.at >= plan[i - 1]!.at));
    assert.ok(plan.every((e) => e.kind !== 'gateway-kill' || e.at <= 0.66 * 600_000));
  });

  it('compares the retained tree without events, command answers and Home Assistant status', () => {
    assert.ok(inTree('3cx2mqtt/extension/101', '3cx2mqtt', 'homeassistant'));
    assert.ok(inTree('homeassistant/device/3cx2mqtt_bench/config', '3cx2mqtt', 'homeassistant'));
    assert.ok(!inTree('3cx2mqtt/event/call', '3cx2mqtt', 'homeassistant'));
    assert.ok(!inTree('3cx2mqtt/bridge/response', '3cx2mqtt', 'homeassistant'));
    assert.ok(!inTree('homeassistant/status', '3cx2mqtt', 'homeassistant'));
  });
});
