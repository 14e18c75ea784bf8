// Latency with polling.calls 1s: a scripted simulator change (ring, hang-up) to the extension's status message at
// the subscriber. Several lanes at once, each on its own extension and timed on its own topic; random gaps between
// events spread their phase uniformly over the poll interval.
import { recordStop, type BenchContext } from '../context.ts';
import { now, sleep } from '../lib/clock.ts';
import { settle } from '../lib/settle.ts';
import { callerTrunk, outsideNumber } from '../lib/sim-calls.ts';
import { firstPageOf, type SimulatorProcess } from '../lib/simulator.ts';
import { BASE_TOPIC, expectedDevices, GatewayStack } from '../lib/stack.ts';
import { median, summarize } from '../lib/stats.ts';
import type { TimestampingSubscriber } from '../lib/subscriber.ts';

const POLL_INTERVAL_MS = 1000;
const EVENT_TIMEOUT_MS = 10_000;

export interface LatencySample {
  kind: 'ring' | 'hangup';
  extension: string;
  /** Epoch ms just before the /sim request was sent. */
  at: number;
  ms: number | null;
}

const statusIs = (status: string) => (payload: Buffer) => {
  try {
    return (JSON.parse(payload.toString()) as { status?: string }).status === status;
  } catch {
    return false;
  }
};

/** Extensions whose retained state says registered and idle, in directory order. */
function idleExtensions(subscriber: TimestampingSubscriber, numbers: readonly string[]): string[] {
  return numbers.filter((n) => {
    const state = subscriber.json<{ status?: string }>(`${BASE_TOPIC}/extension/${n}`);
    return state?.status === 'idle';
  });
}

/** The time from sending `change` until the extension's status topic says `status`, or null on time-out. */
async function timed(
  subscriber: TimestampingSubscriber,
  extension: string,
  status: string,
  change: () => Promise<unknown>,
): Promise<{ at: number; ms: number | null }> {
  const at = now();
  const arrived = subscriber.nextMessage(
    `${BASE_TOPIC}/extension/${extension}`,
    at,
    statusIs(status),
    EVENT_TIMEOUT_MS,
  );
  await change();
  try {
    return { at, ms: (await arrived) - at };
  } catch {
    return { at, ms: null };
  }
}

export async function latencyScenario(ctx: BenchContext, sim: SimulatorProcess): Promise<void> {
  const { settings, figures } = ctx;
  const state = await sim.state();
  const trunk = callerTrunk(state);
  const stack = await GatewayStack.start(ctx.stack, sim, { name: 'latency', polling: { calls: '1s' } });
  const samples: LatencySample[] = [];
  try {
    await stack.startupToDiscovery(expectedDevices(state), 120_000);
    await settle(stack.subscriber, 2000, 30_000);
    const lanes = settings.latencyLanes;
    const pool = idleExtensions(stack.subscriber, state.extensions);
    if (pool.length < lanes * 2) throw new Error(`only ${pool.length} idle registered extensions`);
    ctx.progress(`latency: ${settings.latencyEvents} events on ${lanes} lanes, polling.calls 1s`);
    const seq = await sim.mark();
    const deadline = Date.now() + settings.latencyEvents * 3000;
    let calls = 0;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let round = 0; samples.length < settings.latencyEvents && Date.now() < deadline; round++) {
          // Each lane walks its own slice of extensions, so no two lanes share a topic.
          const extension = pool[(lane + round * lanes) % pool.length]!;
          const call = await sim.script<{ id: number }>('POST', 'calls', {
            from: outsideNumber(1000 + calls++),
            to: extension,
            trunk,
            recorded: false,
          });
          const ring = await timed(stack.subscriber, extension, 'ringing', () =>
            sim.script('POST', `calls/${call.id}/ring`),
          );
          samples.push({ kind: 'ring', extension, ...ring });
          await sleep(Math.random() * POLL_INTERVAL_MS * 1.2);
          const hangup = await timed(stack.subscriber, extension, 'idle', () =>
            sim.script('POST', `calls/${call.id}/hangup`),
          );
          samples.push({ kind: 'hangup', extension, ...hangup });
          await sleep(Math.random() * POLL_INTERVAL_MS * 1.2);
        }
      }),
    );
    // The poll's real period: the poller waits its interval after each poll ends, so polls drift by their duration.
    const starts = (await sim.requestsSince(seq))
      .filter(firstPageOf('ActiveCalls'))
      .map((r) => Date.parse(r.time));
    figures.calls_poll_period_ms = median(starts.slice(1).map((t, i) => t - starts[i]!));
  } finally {
    recordStop(ctx, 'latency', await stack.stop());
  }
  const latencies = samples.filter((s) => s.ms !== null).map((s) => s.ms!);
  const summary = summarize(latencies);
  figures.poll_interval_ms = POLL_INTERVAL_MS;
  figures.latency_events = latencies.length;
  figures.latency_timeouts = samples.length - latencies.length;
  figures.latency_poll_ms_p50 = summary.p50;
  figures.latency_poll_ms_p99 = summary.p99;
  figures.latency_poll_ms_max = summary.max;
  // The Call Control websocket is not in the gateway yet (the realtime issue).
  figures.latency_realtime_ms_p50 = null;
  figures.latency_realtime_ms_p99 = null;
  ctx.raw.latency = { summary, samples };
}
