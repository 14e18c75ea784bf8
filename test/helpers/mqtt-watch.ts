// Test helper: a plain MQTT client that records what arrives, as mosquitto_sub -v would show it.
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { waitUntil } from './wait.ts';

export interface Received {
  topic: string;
  payload: string;
  retained: boolean;
  at: number;
}

export class MqttWatch {
  readonly messages: Received[] = [];
  private constructor(readonly client: MqttClient) {}

  static async connect(
    url: string,
    filters: string[] = ['#'],
    auth: { username?: string; password?: string; ca?: string } = {},
  ): Promise<MqttWatch> {
    const { ca, ...credentials } = auth;
    const client = mqtt.connect(url, {
      ...credentials,
      ...(ca ? { ca: readFileSync(ca) } : {}),
      reconnectPeriod: 200,
      clientId: `watch_${Math.random().toString(16).slice(2)}`,
    });
    const watch = new MqttWatch(client);
    client.on('message', (topic, payload, packet) => {
      watch.messages.push({ topic, payload: payload.toString(), retained: packet.retain, at: Date.now() });
    });
    client.on('connect', () => client.subscribe(filters, { qos: 1 }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no MQTT connection to ${url}`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return watch;
  }

  /** The latest value of every topic (an empty payload means cleared). */
  latest(): Map<string, string> {
    const map = new Map<string, string>();
    for (const m of this.messages) map.set(m.topic, m.payload);
    return map;
  }

  /** Latest non-empty values of topics under a prefix. */
  values(prefix: string): Map<string, string> {
    return new Map([...this.latest()].filter(([t, p]) => t.startsWith(prefix) && p !== ''));
  }

  since(time: number): Received[] {
    return this.messages.filter((m) => m.at >= time);
  }

  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return waitUntil(what, check, timeoutMs);
  }

  async publish(topic: string, payload: string, retain = false): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/**
 * A fresh snapshot of the retained messages on a broker, by subscribing anew. MQTT marks no end of the retained
 * burst, so this waits until no retained message has arrived for `quietMs` (at most 15 s in all). Live publishes
 * to the established subscription come without the retain flag and do not count.
 */
export async function retainedOn(url: string, filter = '#', quietMs = 500): Promise<Map<string, string>> {
  const watch = await MqttWatch.connect(url, [filter]);
  try {
    let seen = -1;
    let changedAt = Date.now();
    await waitUntil(
      `the retained messages on ${url} to settle`,
      () => {
        const retained = watch.messages.filter((m) => m.retained).length;
        if (retained !== seen) {
          seen = retained;
          changedAt = Date.now();
        }
        return Date.now() - changedAt >= quietMs;
      },
      15_000,
      25,
    );
  } finally {
    await watch.close();
  }
  return new Map(watch.messages.filter((m) => m.retained).map((m) => [m.topic, m.payload]));
}
