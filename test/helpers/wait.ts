// Test helper: waiting for a condition with a deadline, the one way tests synchronise (never a fixed sleep).

/**
 * Calls `check` (sync or async) until it returns something truthy, which it returns; throws naming `what` after
 * `timeoutMs`. Bounded in time and in attempts.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 100_000; attempt++) {
    const result = await check();
    if (result) return result;
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Lets time pass: for tests that prove nothing happens meanwhile, never to wait for something to happen. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
