// Latency: a scripted simulator change (ring, hang-up) to the extension's status message at the subscriber, polled
// (pbx.realtime: poll, polling.calls 1s) and then live (pbx.realtime: callcontrol, polling.calls 30s). Several lanes
// at once, each on its own extension and timed on its own topic; random gaps between events spread their phase
// uniformly over the poll interval.
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

const REALTIME_POLL_INTERVAL = '30s';

interface LaneRun {
  name: string;
  realtime: 'poll' | 'callcontrol';
  calls: string;
  /** The longest random gap between events (ms). */
  gapMs: number;
  /** Waits until the gateway is ready for events (discovery done; live for Call Control). */
  ready: (stack: GatewayStack) => Promise<void>;
}

/** Runs the lanes against one gateway; returns the samples and the ActiveCalls poll period seen meanwhile. */
async function runLanes(
  ctx: BenchContext,
  sim: SimulatorProcess,
  run: LaneRun,
  firstNumber: number,
): Promise<{ samples: LatencySample[]; pollPeriodMs: number | null }> {
  const { settings } = ctx;
  const state = await sim.state();
  const trunk = callerTrunk(state);
  const stack = await GatewayStack.start(ctx.stack, sim, {
    name: run.name,
    polling: { calls: run.calls },
    realtime: run.realtime,
  });
  const samples: LatencySample[] = [];
  let pollPeriodMs: number | null = null;
  try {
    await stack.startupToDiscovery(expectedDevices(state), 120_000);
    await run.ready(stack);
    await settle(stack.subscriber, 2000, 30_000);
    const lanes = settings.latencyLanes;
    const pool = idleExtensions(stack.subscriber, state.extensions);
    if (pool.length < lanes * 2) throw new Error(`only ${pool.length} idle registered extensions`);
    let calls = firstNumber;
    ctx.progress(
      `${run.name}: ${settings.latencyEvents} events on ${lanes} lanes, realtime ${run.realtime}, polling.calls ${run.calls}`,
    );
    // One unmeasured call first: a fresh gateway's first event runs cold code (parsers, the websocket path).
    const warmUp = await sim.script<{ id: number }>('POST', 'calls', {
      from: outsideNumber(calls++),
      to: pool[0]!,
      trunk,
      recorded: false,
    });
    await timed(stack.subscriber, pool[0]!, 'ringing', () => sim.script('POST', `calls/${warmUp.id}/ring`));
    await timed(stack.subscriber, pool[0]!, 'idle', () => sim.script('POST', `calls/${warmUp.id}/hangup`));
    const seq = await sim.mark();
    const deadline = Date.now() + settings.latencyEvents * 3000;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let round = 0; samples.length < settings.latencyEvents && Date.now() < deadline; round++) {
          // Each lane walks its own slice of extensions, so no two lanes share a topic.
          const extension = pool[(lane + round * lanes) % pool.length]!;
          const call = await sim.script<{ id: number }>('POST', 'calls', {
            from: outsideNumber(calls++),
            to: extension,
            trunk,
            recorded: false,
          });
          const ring = await timed(stack.subscriber, extension, 'ringing', () =>
            sim.script('POST', `calls/${call.id}/ring`),
          );
          samples.push({ kind: 'ring', extension, ...ring });
          await sleep(Math.random() * run.gapMs);
          const hangup = await timed(stack.subscriber, extension, 'idle', () =>
            sim.script('POST', `calls/${call.id}/hangup`),
          );
          samples.push({ kind: 'hangup', extension, ...hangup });
          await sleep(Math.random() * run.gapMs);
        }
      }),
    );
    // The poll's real period, start to start.
    const starts = (await sim.requestsSince(seq))
      .filter(firstPageOf('ActiveCalls'))
      .map((r) => Date.parse(r.time));
    pollPeriodMs = starts.length > 1 ? median(starts.slice(1).map((t, i) => t - starts[i]!)) : null;
  } finally {
    recordStop(ctx, run.name, await stack.stop());
  }
  return { samples, pollPeriodMs };
}

export async function latencyScenario(ctx: BenchContext, sim: SimulatorProcess): Promise<void> {
  const { figures } = ctx;
  const polled = await runLanes(
    ctx,
    sim,
    {
      name: 'latency',
      realtime: 'poll',
      calls: '1s',
      gapMs: POLL_INTERVAL_MS * 1.2,
      ready: () => Promise.resolve(),
    },
    1000,
  );
  const latencies = polled.samples.filter((s) => s.ms !== null).map((s) => s.ms!);
  const summary = summarize(latencies);
  figures.calls_poll_period_ms = polled.pollPeriodMs;
  figures.poll_interval_ms = POLL_INTERVAL_MS;
  figures.latency_events = latencies.length;
  figures.latency_timeouts = polled.samples.length - latencies.length;
  figures.latency_poll_ms_p50 = summary.p50;
  figures.latency_poll_ms_p99 = summary.p99;
  figures.latency_poll_ms_max = summary.max;

  // The same events through the Call Control websocket; ActiveCalls is then only a slow check.
  const live = await runLanes(
    ctx,
    sim,
    {
      name: 'latency-realtime',
      realtime: 'callcontrol',
      calls: REALTIME_POLL_INTERVAL,
      // The same pacing as polled: per-event latency, not a synthetic burst of every lane at once.
      gapMs: POLL_INTERVAL_MS * 1.2,
      ready: async (stack) => {
        for (let waited = 0; !isLive(stack); waited += 100) {
          if (waited > 60_000) throw new Error('Call Control never went live');
          await sleep(100);
        }
      },
    },
    50_000,
  );
  const realtime = live.samples.filter((s) => s.ms !== null).map((s) => s.ms!);
  const realtimeSummary = summarize(realtime);
  figures.latency_realtime_events = realtime.length;
  figures.latency_realtime_timeouts = live.samples.length - realtime.length;
  figures.latency_realtime_ms_p50 = realtimeSummary.p50;
  figures.latency_realtime_ms_p99 = realtimeSummary.p99;
  figures.latency_realtime_ms_max = realtimeSummary.max;
  ctx.raw.latency = { summary, samples: polled.samples };
  ctx.raw.latency_realtime = { summary: realtimeSummary, samples: live.samples };
}

function isLive(stack: GatewayStack): boolean {
  return stack.subscriber.json<{ realtime?: string }>(`${BASE_TOPIC}/pbx`)?.realtime === 'live';
}
