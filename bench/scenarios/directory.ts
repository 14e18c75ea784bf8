// The directory poll at scale, no calls: start-up to discovery, and gateway CPU per full directory poll (the calls
// and trunk pollers set to 1 h so that only directory polls, and the 30 s call-log check, run in the window).
import { recordStop, type BenchContext } from '../context.ts';
import { cpuPerPoll } from '../lib/poll-cpu.ts';
import { memory } from '../lib/proc.ts';
import { settle } from '../lib/settle.ts';
import { firstPageOf, type SimulatorProcess } from '../lib/simulator.ts';
import { expectedDevices, GatewayStack } from '../lib/stack.ts';
import { median } from '../lib/stats.ts';

/** `during` runs alongside the CPU window (the next scenario's set-up, on the simulator only). */
export async function directoryScenario(
  ctx: BenchContext,
  sim: SimulatorProcess,
  during?: () => Promise<unknown>,
): Promise<void> {
  const { settings, figures } = ctx;
  const state = await sim.state();
  const stack = await GatewayStack.start(ctx.stack, sim, {
    name: 'directory',
    polling: { calls: '1h', presence: settings.directoryInterval, trunks: '1h' },
    // Polled calls at 1 h: the next scenario holds its calls on this simulator meanwhile, and a live Call Control
    // view would put those thousand new calls into the directory poll's window.
    realtime: 'poll',
  });
  try {
    figures.startup_to_discovery_s_10k_no_calls = await stack.startupToDiscovery(
      expectedDevices(state),
      180_000,
    );
    await settle(stack.subscriber, 2000, 30_000);
    ctx.progress(
      `directory: CPU over ${settings.directoryPolls} polls (polling.presence ${settings.directoryInterval})`,
    );
    const alongside = during?.();
    const result = await cpuPerPoll({
      pid: stack.gateway.pid,
      sim,
      isStart: firstPageOf('Users'),
      polls: settings.directoryPolls,
      timeoutMs: settings.directoryPolls * 60_000,
    });
    figures.poll_cpu_ms_10k = result.perPollMs;
    figures.poll_cpu_ms_10k_median = result.cycles.length ? median(result.cycles) : null;
    figures.rss_mb_10k_no_calls = memory(stack.gateway.pid).rssMb;
    ctx.raw.directory = result;
    await alongside;
  } finally {
    recordStop(ctx, 'directory', await stack.stop());
  }
}
