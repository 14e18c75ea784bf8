// Gateway CPU per calls poll with 1,000 held calls, polling.calls 1s; the directory and trunk pollers are set to
// 1 h so that only calls polls (and the cheap call-log check) run in the window.
import { recordStop, type BenchContext } from '../context.ts';
import { cpuPerPoll } from '../lib/poll-cpu.ts';
import { firstPageOf, type SimulatorProcess } from '../lib/simulator.ts';
import { expectedDevices, GatewayStack } from '../lib/stack.ts';
import { median } from '../lib/stats.ts';

/** Expects the calls to be held already. */
export async function callsScenario(ctx: BenchContext, sim: SimulatorProcess): Promise<void> {
  const { figures, settings } = ctx;
  const state = await sim.state();
  const stack = await GatewayStack.start(ctx.stack, sim, {
    name: 'calls',
    polling: { calls: '1s', presence: '1h', trunks: '1h' },
    // The figure is the cost of one ActiveCalls poll: with Call Control live the poll runs 5x slower and the
    // window between two polls holds the live work too.
    realtime: 'poll',
  });
  try {
    const startup = await stack.startupToDiscovery(expectedDevices(state), 240_000);
    ctx.progress(`calls: CPU over ${settings.callsPolls} calls polls (${state.active_calls.length} calls)`);
    const result = await cpuPerPoll({
      pid: stack.gateway.pid,
      sim,
      isStart: firstPageOf('ActiveCalls'),
      polls: settings.callsPolls,
      timeoutMs: settings.callsBudgetMs,
    });
    figures.active_calls_cpu_ms_1k = result.perPollMs;
    figures.active_calls_cpu_ms_1k_median = result.cycles.length ? median(result.cycles) : null;
    figures.calls_polls_per_min_1k = result.pollsPerMin;
    // Its start-up runs beside the scale gateway, so it is a raw sample, not the start-up figure.
    ctx.raw.calls = { startup_s: startup, ...result };
  } finally {
    recordStop(ctx, 'calls', await stack.stop());
  }
}
