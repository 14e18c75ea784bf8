// Gateway CPU per poll: /proc/<pid>/stat deltas between poll starts, with the polls counted from the PBX's
// request log (the simulator's /sim/requests), so CPU and poll count come from one window.
import { now, sleep } from './clock.ts';
import { cpuMs } from './proc.ts';
import type { LoggedRequest, SimulatorProcess } from './simulator.ts';

export interface PollCpu {
  /** Complete poll cycles in the window (start of the first to start of the last counted). */
  polls: number;
  cpuMs: number;
  windowMs: number;
  /** cpuMs / polls: the figure. */
  perPollMs: number;
  pollsPerMin: number;
  /** CPU of each cycle between two detected starts (10 ms resolution; for medians). */
  cycles: number[];
  /** Why the window closed: enough polls, or time ran out (the cycles complete by then are counted). */
  ended: 'polls' | 'timeout';
}

export interface PollCpuOptions {
  pid: number;
  sim: SimulatorProcess;
  /** The request that starts one poll (one per poll, e.g. GET ActiveCalls, or Users with $skip=0). */
  isStart: (entry: LoggedRequest) => boolean;
  polls: number;
  timeoutMs: number;
  everyMs?: number;
}

interface Reading {
  starts: number;
  cpu: number;
  at: number;
}

export async function cpuPerPoll(options: PollCpuOptions): Promise<PollCpu> {
  const { pid, sim, isStart, polls, timeoutMs, everyMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let seq = await sim.mark();
  const readings: Reading[] = [];
  let starts = 0;
  let ended: PollCpu['ended'] = 'timeout';
  while (Date.now() < deadline) {
    await sleep(everyMs);
    const entries = await sim.requestsSince(seq);
    const reading = { cpu: cpuMs(pid), at: now() };
    if (entries.length > 0) seq = entries[entries.length - 1]!.seq;
    const found = entries.filter(isStart).length;
    if (found === 0) continue;
    starts += readings.length === 0 ? 0 : found;
    readings.push({ starts, ...reading });
    if (starts >= polls) {
      ended = 'polls';
      break;
    }
  }
  if (readings.length < 2) throw new Error(`fewer than one complete poll cycle within ${timeoutMs} ms`);
  const first = readings[0]!;
  const last = readings[readings.length - 1]!;
  const cycles: number[] = [];
  for (let i = 1; i < readings.length; i++)
    if (readings[i]!.starts - readings[i - 1]!.starts === 1)
      cycles.push(readings[i]!.cpu - readings[i - 1]!.cpu);
  const cpu = last.cpu - first.cpu;
  const windowMs = last.at - first.at;
  return {
    polls: last.starts,
    cpuMs: cpu,
    windowMs,
    perPollMs: cpu / last.starts,
    pollsPerMin: (last.starts / windowMs) * 60_000,
    cycles,
    ended,
  };
}
