// The old openHAB binding's PBX requests per minute, counted from the simulator's request log like the gateway's.
import type { BenchContext } from '../context.ts';
import { now } from '../lib/clock.ts';
import { driveOldBinding } from '../lib/old-binding.ts';
import { countByKind, type SimulatorProcess } from '../lib/simulator.ts';

export async function oldBindingScenario(ctx: BenchContext, sim: SimulatorProcess): Promise<void> {
  const seq = await sim.mark();
  const from = now();
  await driveOldBinding(sim, ctx.settings.oldBindingWindowMs);
  const windowMs = now() - from;
  const requests = await sim.requestsSince(seq);
  ctx.figures.pbx_requests_per_min_old_binding = (requests.length / windowMs) * 60_000;
  ctx.raw.old_binding = { window_ms: windowMs, requests_by_kind: countByKind(requests) };
}
