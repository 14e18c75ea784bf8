// At scale (10,000 extensions + 1,000 held calls, polling.calls 1s, other intervals default) for 5 minutes:
// start-up to discovery, one dashboard's SSE bytes, /api/state size and time, and the gateway's RSS at the end.
import { recordStop, type BenchContext } from '../context.ts';
import { now, sleep } from '../lib/clock.ts';
import { memory } from '../lib/proc.ts';
import type { SimulatorProcess } from '../lib/simulator.ts';
import { BASE_TOPIC, DISCOVERY_PREFIX, expectedDevices, GatewayStack } from '../lib/stack.ts';
import { median } from '../lib/stats.ts';
import { SseMeter, timedGet } from '../lib/web.ts';

interface RssSample {
  s: number;
  rss_mb: number;
}

/**
 * Expects the calls to be held already. `duringWait` starts while the gateway runs on towards its RSS reading (the
 * calls scenario, on its own simulator: CPU per poll is per process, and nothing else is measured here then); it
 * finishes alone once this gateway has stopped.
 */
export async function scaleScenario(
  ctx: BenchContext,
  sim: SimulatorProcess,
  duringWait?: () => Promise<void>,
): Promise<void> {
  const { settings, figures } = ctx;
  const state = await sim.state();
  const stack = await GatewayStack.start(ctx.stack, sim, { name: 'scale', polling: { calls: '1s' } });
  const pid = stack.gateway.pid;
  const rss: RssSample[] = [];
  const sampler = setInterval(() => {
    try {
      rss.push({ s: (now() - stack.gateway.spawnedAt) / 1000, rss_mb: memory(pid).rssMb });
    } catch {
      // The gateway has exited: the stop below reports it.
    }
  }, 2000);
  const raw: Record<string, unknown> = { rss };
  let alongside: Promise<void> | undefined;
  ctx.raw.scale = raw;
  // Each measurement on its own: one that fails (times out) is noted and the others still run.
  const attempt = async (what: string, measure: () => Promise<void>) => {
    try {
      await measure();
    } catch (error) {
      ctx.notes.push(`scale: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  try {
    const web = await stack.gateway.webUrl(120_000);
    const startup = await stack.startupToDiscovery(expectedDevices(state), 240_000);
    figures.startup_to_discovery_s_10k = startup;

    await attempt('SSE', async () => {
      ctx.progress(`scale: one dashboard on /api/events for ${settings.sseScaleWindowMs / 1000} s`);
      const sse = new SseMeter();
      const opened = now();
      await sse.open(web, 180_000);
      figures.sse_initial_kb_10k = sse.initialBytes / 1024;
      figures.sse_initial_ms_10k = now() - opened;
      const from = now();
      await sleep(settings.sseScaleWindowMs);
      const to = now();
      sse.close();
      figures.sse_bytes_per_min_10k = (sse.bytesBetween(from, to) / (to - from)) * 60_000;
      raw.sse = { window_ms: to - from, events: sse.events, initial_bytes: sse.initialBytes };
    });

    await attempt('/api/state', async () => {
      ctx.progress(`scale: ${settings.apiStateRequests} × GET /api/state`);
      const gets = [];
      for (let i = 0; i < settings.apiStateRequests; i++)
        gets.push(await timedGet(`${web}/api/state`, 180_000));
      figures.api_state_kb_10k = gets[0]!.bytes / 1024;
      figures.api_state_ms_10k = median(gets.map((g) => g.ms));
      raw.api_state = gets;
    });

    if (settings.metricsScrape)
      await attempt('/metrics', async () => {
        // Prometheus' scrape: its collectors build the same snapshot as /api/state; V8's heap figures from it.
        const text = await timedGet(`${web}/metrics`, 180_000, true);
        figures.metrics_ms_10k = text.ms;
        const bytes = (name: string) =>
          Number(new RegExp(`^tcx2mqtt_process_${name} (\\S+)$`, 'm').exec(text.body ?? '')?.[1]);
        figures.heap_used_mb_10k = bytes('nodejs_heap_size_used_bytes') / 2 ** 20;
        figures.heap_total_mb_10k = bytes('nodejs_heap_size_total_bytes') / 2 ** 20;
        figures.external_mb_10k = bytes('nodejs_external_memory_bytes') / 2 ** 20;
      });
    // What the retained topic tree weighs (the gateway holds it in memory too, to diff and re-publish it).
    const weigh = (prefix: string) =>
      [...stack.subscriber.latest].reduce((sum, [t, p]) => (t.startsWith(prefix) ? sum + p.length : sum), 0);
    figures.retained_state_mb_10k = weigh(`${BASE_TOPIC}/`) / 2 ** 20;
    figures.retained_discovery_mb_10k = weigh(DISCOVERY_PREFIX) / 2 ** 20;

    alongside = duringWait?.();
    const readAt = stack.gateway.spawnedAt + settings.scaleRunMs;
    ctx.progress(
      `scale: RSS ${settings.scaleRunMs / 1000} s after start (${Math.max(0, Math.round((readAt - now()) / 1000))} s to go)`,
    );
    await sleep(readAt - now());
    const memoryNow = memory(pid);
    figures.rss_mb_10k = memoryNow.rssMb;
    figures.rss_peak_mb_10k = memoryNow.peakMb;
    figures.rss_after_s = (now() - stack.gateway.spawnedAt) / 1000;
  } finally {
    clearInterval(sampler);
    recordStop(ctx, 'scale', await stack.stop());
    await alongside;
  }
}
