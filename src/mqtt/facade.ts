// The only module that talks to the broker: connection, will, retained-state bookkeeping with dedupe, full
// re-publish after every (re)connect, clearing of topics no longer produced, subscriptions and stats.
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { redactUrl } from '../config/redact.ts';
import { diffRetained } from '../domain/retained-diff.ts';
import { mqttClientOptions, protocolHint, topicMatches, type MqttSettings } from './connection.ts';
import type { Topics } from './topics.ts';

export type { MqttSettings };

/**
 * MQTT 5 subscription options (ignored over 3.1.1). `retainAsPublished` keeps the retain flag of a message
 * published while subscribed (3.1.1 brokers clear it); `retainHandling` 2 sends no stored retained messages
 * at subscribe.
 */
export interface SubscriptionOptions {
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  retained: boolean;
}

interface FacadeEvents {
  connected: [];
  disconnected: [];
}

export interface MqttStats {
  published: number;
  reconnects: number;
  connected: boolean;
}

/** Retained messages are grouped (state, discovery) so each group can be replaced as a whole. */
export type RetainedGroup = 'state' | 'discovery';

export class MqttFacade extends EventEmitter<FacadeEvents> {
  private client?: MqttClient;
  /** What should be on the broker, per group, in publishing order. */
  private readonly desired = new Map<RetainedGroup, Map<string, string>>([
    ['state', new Map()],
    ['discovery', new Map()],
  ]);
  /** What this connection has already sent; emptied on every (re)connect so everything goes out again. */
  private readonly sent = new Map<string, string>();
  /** Desired topics this connection has not sent as they are now, per group. */
  private readonly dirty = new Map<RetainedGroup, Set<string>>([
    ['state', new Set()],
    ['discovery', new Set()],
  ]);
  /** Topics to empty on the broker; kept until a connection has sent them. */
  private readonly pendingClears = new Set<string>();
  private flushScheduled = false;
  private readonly handlers: {
    filter: string;
    handle: (message: IncomingMessage) => void;
    options: SubscriptionOptions;
  }[] = [];
  readonly stats: MqttStats = { published: 0, reconnects: 0, connected: false };
  private stopping = false;

  constructor(
    private readonly settings: MqttSettings,
    private readonly topics: Topics,
    private readonly log: Logger,
  ) {
    super();
  }

  get connected(): boolean {
    return this.stats.connected;
  }

  get protocolVersion(): 4 | 5 {
    return this.settings.protocolVersion;
  }

  /** Starts connecting; resolves at once. The broker may come later: mqtt.js keeps retrying. */
  start(): void {
    const options: IClientOptions = {
      ...mqttClientOptions(this.settings),
      reconnectPeriod: 1000,
      will: { topic: this.topics.bridgeState, payload: Buffer.from('offline'), qos: 1, retain: true },
    };
    const client = mqtt.connect(this.settings.url, options);
    this.client = client;
    client.on('connect', () => this.onConnect());
    client.on('close', () => {
      if (this.stats.connected) {
        this.stats.connected = false;
        this.log.warn({ url: redactUrl(this.settings.url) }, 'MQTT connection lost; reconnecting');
        this.emit('disconnected');
      }
    });
    client.on('error', (error) =>
      this.log.warn(
        { err: error.message, url: redactUrl(this.settings.url), hint: protocolHint(error, this.settings) },
        'MQTT error',
      ),
    );
    client.on('message', (topic, payload, packet) => {
      for (const { filter, handle } of this.handlers) {
        if (topicMatches(filter, topic)) handle({ topic, payload, retained: packet.retain });
      }
    });
  }

  private onConnect(): void {
    // A connection that completes after stop() (a start that failed further on) must not come to life.
    if (this.stats.connected || this.stopping) return;
    this.stats.connected = true;
    if (this.stats.published > 0 || this.sent.size > 0) this.stats.reconnects++;
    this.log.info({ url: redactUrl(this.settings.url) }, 'MQTT connected');
    // A new connection sends every desired message again (the broker may have lost them).
    this.sent.clear();
    for (const [group, messages] of this.desired) this.dirty.set(group, new Set(messages.keys()));
    // mqtt.js resubscribes by itself only on reconnects of a clean session it already knew: subscribe anew.
    for (const { filter, options } of this.handlers) this.sendSubscribe(filter, options);
    this.publishRaw(this.topics.bridgeState, 'online', true);
    this.flush();
    this.emit('connected');
  }

  /** Sets one retained message; published at the next flush if it differs from what the broker has. */
  setTopic(group: RetainedGroup, topic: string, payload: string): void {
    const messages = this.desired.get(group)!;
    this.pendingClears.delete(topic);
    if (messages.get(topic) === payload) return;
    messages.set(topic, payload);
    if (this.sent.get(topic) === payload) this.dirty.get(group)!.delete(topic);
    else this.dirty.get(group)!.add(topic);
    this.scheduleFlush();
  }

  /** Removes one retained message: the topic is emptied on the broker. */
  removeTopic(group: RetainedGroup, topic: string): void {
    if (!this.desired.get(group)!.delete(topic)) return;
    this.dirty.get(group)!.delete(topic);
    this.sent.delete(topic);
    this.pendingClears.add(topic);
    this.scheduleFlush();
  }

  /** Replaces a group's retained messages: publishes what changed, clears what is gone. */
  setRetained(group: RetainedGroup, messages: ReadonlyMap<string, string>): void {
    const { publish, clear } = diffRetained(this.desired.get(group)!, messages);
    for (const topic of clear) this.removeTopic(group, topic);
    for (const [topic, payload] of publish) this.setTopic(group, topic, payload);
  }

  /** Empties retained topics this gateway no longer produces (found at start-up, or after a mode switch). */
  clearRetained(topics: Iterable<string>): void {
    for (const topic of topics) {
      if (![...this.desired.values()].some((group) => group.has(topic))) this.pendingClears.add(topic);
    }
    this.scheduleFlush();
  }

  /** Sends every desired retained message again (after Home Assistant's birth message, say). */
  republishAll(): void {
    this.sent.clear();
    for (const [group, messages] of this.desired) this.dirty.set(group, new Set(messages.keys()));
    this.scheduleFlush();
  }

  /** Changes made in one turn of the event loop go out together, discovery before state. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.connected) return;
    for (const topic of this.pendingClears) this.publishRaw(topic, '', true);
    this.pendingClears.clear();
    // Discovery first, so Home Assistant knows an entity before its state arrives.
    for (const group of ['discovery', 'state'] as const) {
      const messages = this.desired.get(group)!;
      const dirty = this.dirty.get(group)!;
      for (const topic of dirty) {
        const payload = messages.get(topic);
        if (payload === undefined || this.sent.get(topic) === payload) continue;
        this.publishRaw(topic, payload, true);
        this.sent.set(topic, payload);
      }
      dirty.clear();
    }
  }

  /** A non-retained message (events, command responses); dropped while disconnected. */
  publishEvent(topic: string, payload: string): void {
    if (this.connected) this.publishRaw(topic, payload, false);
  }

  /** A one-off retained message outside the groups (migration markers). */
  publishRetainedOnce(topic: string, payload: string): void {
    if (this.connected) this.publishRaw(topic, payload, true);
  }

  private publishRaw(topic: string, payload: string, retain: boolean): void {
    if (/[+#]/.test(topic) || topic.includes('\u0000')) {
      this.log.error({ topic }, 'refusing to publish to a topic with a wildcard or NUL');
      return;
    }
    this.stats.published++;
    this.client?.publish(topic, payload, { qos: 1, retain }, (error) => {
      if (error) this.log.warn({ topic, err: error.message }, 'MQTT publish failed');
    });
  }

  subscribe(
    filter: string,
    handle: (message: IncomingMessage) => void,
    options: SubscriptionOptions = {},
  ): void {
    this.handlers.push({ filter, handle, options });
    if (this.connected) this.sendSubscribe(filter, options);
  }

  private sendSubscribe(filter: string, options: SubscriptionOptions): void {
    const v5 =
      this.settings.protocolVersion === 5
        ? {
            ...(options.retainAsPublished !== undefined ? { rap: options.retainAsPublished } : {}),
            ...(options.retainHandling !== undefined ? { rh: options.retainHandling } : {}),
          }
        : {};
    this.client?.subscribe(filter, { qos: 1, ...v5 });
  }

  unsubscribe(filter: string): void {
    const index = this.handlers.findIndex((h) => h.filter === filter);
    if (index >= 0) this.handlers.splice(index, 1);
    if (this.connected) this.client?.unsubscribe(filter);
  }

  /** Publishes offline and disconnects; bounded in time. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.stopping || !this.client) return;
    this.stopping = true;
    const client = this.client;
    if (this.connected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        client.publish(this.topics.bridgeState, 'offline', { qos: 1, retain: true }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!this.connected) {
      // Still connecting (or reconnecting): nothing to flush, and a graceful end would wait for the connection.
      client.end(true);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.end(true);
        resolve();
      }, timeoutMs);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
