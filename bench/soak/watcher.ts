// The soak's MQTT side: a watcher that reconnects as Home Assistant would (and can play Home Assistant's restart),
// and a one-off reader of the retained tree.
import mqtt, { type MqttClient } from 'mqtt';
import { now, waitUntil } from '../lib/clock.ts';

/** Topics of the retained tree: the gateway's, except its events and command answers, and discovery. */
export function inTree(topic: string, baseTopic: string, discoveryPrefix: string): boolean {
  if (topic.startsWith(`${baseTopic}/`))
    return !topic.startsWith(`${baseTopic}/event/`) && topic !== `${baseTopic}/bridge/response`;
  return topic.startsWith(`${discoveryPrefix}/`) && topic !== `${discoveryPrefix}/status`;
}

export class TreeWatcher {
  /** The latest non-empty payload of every tree topic (live or retained). */
  readonly latest = new Map<string, string>();
  /** When each tree topic first arrived (non-empty) since the last (re)connect. */
  private session = new Map<string, number>();
  /** When the current connection was made. */
  private sessionStartedAt = 0;
  connects = 0;

  private constructor(
    private readonly client: MqttClient,
    private readonly baseTopic: string,
    private readonly discoveryPrefix: string,
  ) {
    client.on('connect', () => {
      this.connects++;
      this.session = new Map();
      this.sessionStartedAt = now();
      client.subscribe('#', { qos: 1 });
    });
    client.on('message', (topic, payload) => {
      if (!inTree(topic, baseTopic, discoveryPrefix)) return;
      if (payload.length === 0) {
        this.latest.delete(topic);
        return;
      }
      this.latest.set(topic, payload.toString());
      if (!this.session.has(topic)) this.session.set(topic, now());
    });
  }

  static async connect(url: string, baseTopic: string, discoveryPrefix: string): Promise<TreeWatcher> {
    const client = mqtt.connect(url, {
      clientId: `soak_watcher_${process.pid}`,
      reconnectPeriod: 100,
      connectTimeout: 5000,
    });
    const watcher = new TreeWatcher(client, baseTopic, discoveryPrefix);
    await waitUntil('the watcher connected', () => watcher.connects > 0, 10_000);
    return watcher;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** The topics of the tree now (to wait for again after a broker restart). */
  topics(): Set<string> {
    return new Set(this.latest.keys());
  }

  /**
   * When the last of `topics` arrived on a connection made after `after` (epoch ms), once all have; undefined
   * before (also while the watcher has not reconnected since).
   */
  completeAt(topics: ReadonlySet<string>, after: number): number | undefined {
    if (this.sessionStartedAt < after) return undefined;
    let last = 0;
    for (const topic of topics) {
      const at = this.session.get(topic);
      if (at === undefined) return undefined;
      last = Math.max(last, at);
    }
    return last;
  }

  /** What Home Assistant publishes when it stops and starts (not retained, as HA does). */
  async publishHaStatus(status: 'online' | 'offline'): Promise<void> {
    await this.client.publishAsync(`${this.discoveryPrefix}/status`, status, { qos: 1 });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** The retained tree on a broker now: a fresh subscription, read until `quietMs` pass without a message. */
export async function retainedTree(
  url: string,
  baseTopic: string,
  discoveryPrefix: string,
  quietMs = 2000,
): Promise<Map<string, string>> {
  const client = mqtt.connect(url, {
    clientId: `soak_reader_${process.pid}_${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  const tree = new Map<string, string>();
  let last = now();
  client.on('message', (topic, payload, packet) => {
    last = now();
    if (packet.retain && payload.length > 0 && inTree(topic, baseTopic, discoveryPrefix))
      tree.set(topic, payload.toString());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(['#'], { qos: 1 });
    last = now();
    await waitUntil('the retained tree to arrive', () => now() - last >= quietMs, 120_000, 100);
    return tree;
  } finally {
    await client.endAsync(true);
  }
}
