// A separate MQTT client that timestamps every message on arrival, as Home Assistant or mosquitto_sub would see it.
import mqtt, { type MqttClient } from 'mqtt';
import { now, waitUntil } from './clock.ts';

export interface Arrival {
  topic: string;
  /** Epoch ms (fractional) when the client handed the message over. */
  at: number;
  bytes: number;
  retained: boolean;
}

export type MessageListener = (topic: string, payload: Buffer, at: number) => void;

export class TimestampingSubscriber {
  readonly arrivals: Arrival[] = [];
  /** The latest payload of every topic (an empty payload means cleared). */
  readonly latest = new Map<string, Buffer>();
  private readonly listeners = new Set<MessageListener>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const at = now();
      this.arrivals.push({ topic, at, bytes: payload.length, retained: packet.retain });
      this.latest.set(topic, payload);
      for (const listener of this.listeners) listener(topic, payload, at);
    });
  }

  /** Connects and subscribes (QoS 1, so the broker delivers every message); bounded to 10 s. */
  static async connect(url: string, filters: string[] = ['#']): Promise<TimestampingSubscriber> {
    const client = mqtt.connect(url, {
      clientId: `bench_${process.pid}_${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    const subscriber = new TimestampingSubscriber(client);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no MQTT connection to ${url} within 10 s`)), 10_000);
      client.once('connect', () => {
        client.subscribe(filters, { qos: 1 }, (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
      client.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return subscriber;
  }

  /** Calls listener for every later message until the returned function is called. */
  listen(listener: MessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Topics under a prefix whose latest payload is not empty. */
  present(prefix: string): string[] {
    return [...this.latest].filter(([topic, p]) => topic.startsWith(prefix) && p.length > 0).map(([t]) => t);
  }

  json<T>(topic: string): T | undefined {
    const payload = this.latest.get(topic);
    if (!payload || payload.length === 0) return undefined;
    try {
      return JSON.parse(payload.toString()) as T;
    } catch {
      return undefined;
    }
  }

  arrivalsBetween(from: number, to: number): Arrival[] {
    return this.arrivals.filter((a) => a.at >= from && a.at < to);
  }

  /** The first message on `topic` arriving at or after `from` whose payload passes `test`, at most timeoutMs. */
  nextMessage(
    topic: string,
    from: number,
    test: (payload: Buffer) => boolean,
    timeoutMs: number,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.listen((t, payload, at) => {
        if (t !== topic || at < from || !test(payload)) return;
        clearTimeout(timer);
        stop();
        resolve(at);
      });
    });
  }

  /**
   * Waits until `count` distinct topics under `prefix` have had a non-empty message since `from`; returns when the
   * set became complete (the count-th first arrival), not when this poll noticed it.
   */
  async waitForCount(prefix: string, count: number, from: number, timeoutMs: number): Promise<number> {
    const first = new Map<string, number>();
    let scanned = 0;
    await waitUntil(
      `${count} topics under ${prefix}`,
      () => {
        for (; scanned < this.arrivals.length; scanned++) {
          const a = this.arrivals[scanned]!;
          if (a.at >= from && a.bytes > 0 && a.topic.startsWith(prefix) && !first.has(a.topic))
            first.set(a.topic, a.at);
        }
        return first.size >= count;
      },
      timeoutMs,
      100,
    );
    return [...first.values()].sort((a, b) => a - b)[count - 1]!;
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** The retained topics under `filter` right now, from a fresh subscription (after `settleMs` of quiet). */
export async function retainedCount(
  url: string,
  filter: string,
  settleMs = 1500,
  timeoutMs = 60_000,
): Promise<number> {
  const subscriber = await TimestampingSubscriber.connect(url, [filter]);
  try {
    const started = now();
    await waitUntil(
      `retained messages on ${filter} to stop arriving`,
      () => {
        const last = subscriber.arrivals.at(-1)?.at ?? started;
        return now() - last >= settleMs;
      },
      timeoutMs,
      100,
    );
    return new Set(subscriber.arrivals.filter((a) => a.retained && a.bytes > 0).map((a) => a.topic)).size;
  } finally {
    await subscriber.close();
  }
}
