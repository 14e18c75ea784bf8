// The benchmark's clock: epoch milliseconds with sub-millisecond resolution, and a bounded sleep.
import { performance } from 'node:perf_hooks';

/** Epoch milliseconds (fractional), comparable with Date.now() and across the bench's own events. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Polls check() until it returns a value, at most timeoutMs; throws naming what it waited for. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1_000_000; attempt++) {
    const result = await check();
    if (result) return result;
    if (Date.now() >= deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
}
