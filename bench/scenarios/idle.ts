// Idle at 1,000 extensions, default intervals: MQTT publishes, PBX requests, gateway CPU, SSE bytes, /api/state.
import { recordStop, type BenchContext } from '../context.ts';
import { now, sleep } from '../lib/clock.ts';
import { cpuMs } from '../lib/proc.ts';
import { settle } from '../lib/settle.ts';
import { countByKind, type SimulatorProcess } from '../lib/simulator.ts';
import { expectedDevices, GatewayStack } from '../lib/stack.ts';
import { median } from '../lib/stats.ts';
import { timedGet, SseMeter } from '../lib/web.ts';

const perMinute = (count: number, ms: number) => (count / ms) * 60_000;

export async function idleScenario(ctx: BenchContext, sim: SimulatorProcess): Promise<void> {
  const { settings, figures } = ctx;
  const state = await sim.state();
  const stack = await GatewayStack.start(ctx.stack, sim, { name: 'idle', web: true });
  try {
    const web = await stack.gateway.webUrl();
    figures.startup_to_discovery_s_1k = await stack.startupToDiscovery(expectedDevices(state), 120_000);
    const quiet = await settle(stack.subscriber, 3000, 45_000);
    if (!quiet) ctx.notes.push('idle: the gateway did not go quiet on MQTT within 45 s of start-up');

    ctx.progress(`idle: ${settings.idleWindowMs / 1000} s with nothing changing`);
    const seq = await sim.mark();
    const cpuBefore = cpuMs(stack.gateway.pid);
    const from = now();
    await sleep(settings.idleWindowMs);
    const to = now();
    const cpu = cpuMs(stack.gateway.pid) - cpuBefore;
    const requests = await sim.requestsSince(seq);
    const messages = stack.subscriber.arrivalsBetween(from, to);
    const windowMs = to - from;
    figures.idle_window_s = windowMs / 1000;
    figures.idle_publishes_per_min = perMinute(messages.length, windowMs);
    figures.pbx_requests_per_min_idle = perMinute(requests.length, windowMs);
    figures.idle_cpu_ms_per_min_1k = perMinute(cpu, windowMs);
    const topics: Record<string, number> = {};
    for (const m of messages) topics[m.topic] = (topics[m.topic] ?? 0) + 1;

    ctx.progress(`idle: one dashboard on /api/events for ${settings.sseIdleWindowMs / 1000} s`);
    const sse = new SseMeter();
    await sse.open(web);
    const sseFrom = now();
    await sleep(settings.sseIdleWindowMs);
    const sseTo = now();
    sse.close();
    figures.sse_initial_kb_1k = sse.initialBytes / 1024;
    figures.sse_bytes_per_min_idle_1k = perMinute(sse.bytesBetween(sseFrom, sseTo), sseTo - sseFrom);
    figures.sse_state_events_per_min_idle_1k = perMinute(sse.events.state ?? 0, sseTo - sseFrom);

    const gets = [];
    for (let i = 0; i < 5; i++) gets.push(await timedGet(`${web}/api/state`));
    figures.api_state_kb_1k = gets[0]!.bytes / 1024;
    figures.api_state_ms_1k = median(gets.map((g) => g.ms));

    ctx.raw.idle = {
      window_ms: windowMs,
      quiet_after_start: quiet,
      messages_by_topic: topics,
      requests_by_kind: countByKind(requests),
      cpu_ms: cpu,
      sse: { window_ms: sseTo - sseFrom, events: sse.events, initial_bytes: sse.initialBytes },
      api_state: gets,
    };
  } finally {
    recordStop(ctx, 'idle', await stack.stop());
  }
}
