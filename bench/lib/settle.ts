// Waiting for a gateway to go quiet on MQTT after start-up (bounded: a gateway that never goes quiet is a finding).
import { now, sleep } from './clock.ts';
import type { TimestampingSubscriber } from './subscriber.ts';

/** Waits until no message has arrived for quietMs, at most timeoutMs; true when it went quiet. */
export async function settle(
  subscriber: TimestampingSubscriber,
  quietMs: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = now() + timeoutMs;
  const started = now();
  while (now() < deadline) {
    const last = subscriber.arrivals.at(-1)?.at ?? started;
    if (now() - last >= quietMs) return true;
    await sleep(100);
  }
  return false;
}
