// Discovery over time: finds this instance's retained configs at start, migrates or clears the ones no longer
// produced, holds discovery back until that is done, and re-publishes after Home Assistant's birth message.
import type { Logger } from 'pino';
import type { MqttFacade } from '../mqtt/facade.ts';
import { availabilityTopicsOf, isOwnDiscoveryTopic, uniqueIdsOf } from './discovery.ts';

export interface LifecycleOptions {
  enabled: boolean;
  prefix: string;
  statusTopic: string;
  pbxId: string;
  bridgeStateTopic: string;
  /** How long to listen for retained configs after connecting. */
  scanWindowMs?: number;
  /** Re-publish after HA's birth within this random delay (spreads load when many gateways restart). */
  birthDelayMs?: [min: number, max: number];
  /** Gap between migration markers and clearing the old configs. */
  migrationGapMs?: number;
}

export class DiscoveryLifecycle {
  private readonly found = new Map<string, string>();
  private scanState: 'idle' | 'scanning' | 'done' = 'idle';
  private desired?: Map<string, string>;
  private complete = false;
  private cleaned = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly mqtt: MqttFacade,
    private readonly options: LifecycleOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.mqtt.on('connected', () => this.onConnected());
    if (this.options.enabled) {
      this.mqtt.subscribe(this.options.statusTopic, (message) => {
        // A retained "online" arrives on every subscribe; after a connect we publish everything anyway.
        if (message.retained || message.payload.toString() !== 'online') return;
        const [min, max] = this.options.birthDelayMs ?? [1000, 3000];
        const delay = min + Math.random() * (max - min);
        this.log.info(
          { delayMs: Math.round(delay) },
          'Home Assistant came online; re-publishing discovery and state',
        );
        this.later(delay, () => this.mqtt.republishAll());
      });
    }
    if (this.mqtt.connected) this.onConnected();
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private onConnected(): void {
    if (this.scanState !== 'idle') return; // only the first connection's retained configs tell what to clean up
    this.scanState = 'scanning';
    const filters = [`${this.options.prefix}/+/+/config`, `${this.options.prefix}/+/+/+/config`];
    for (const filter of filters) {
      this.mqtt.subscribe(filter, (message) => {
        if (!message.retained || message.payload.length === 0) return;
        const payload = message.payload.toString();
        // Ours: our topic naming and our bridge's availability topic (base topics differ per instance).
        if (
          isOwnDiscoveryTopic(this.options, message.topic) &&
          availabilityTopicsOf(payload).includes(this.options.bridgeStateTopic)
        ) {
          this.found.set(message.topic, payload);
        }
      });
    }
    this.later(this.options.scanWindowMs ?? 1500, () => {
      for (const filter of filters) this.mqtt.unsubscribe(filter);
      this.scanState = 'done';
      this.log.debug({ found: this.found.size }, 'scanned retained discovery configs');
      this.apply();
    });
  }

  /** The discovery set for the current snapshot; `complete` once every part of the PBX has been read. */
  update(messages: Map<string, string>, complete: boolean): void {
    this.desired = this.options.enabled ? messages : new Map();
    this.complete ||= complete;
    this.apply();
  }

  private apply(): void {
    if (this.scanState !== 'done' || !this.desired) return;
    if (this.cleaned) {
      this.mqtt.setRetained('discovery', this.desired);
      return;
    }
    if (!this.complete) return; // never clean up from a partial view of the PBX
    this.cleaned = true;
    const desiredIds = new Set([...this.desired.values()].flatMap(uniqueIdsOf));
    const stale = [...this.found].filter(([topic]) => !this.desired!.has(topic));
    const migrating = stale.filter(([, payload]) => uniqueIdsOf(payload).some((id) => desiredIds.has(id)));
    // HA's documented order: mark the old configs as migrating, publish the new ones, then empty the old topics.
    for (const [topic] of migrating)
      this.mqtt.publishRetainedOnce(topic, JSON.stringify({ migrate_discovery: true }));
    this.mqtt.setRetained('discovery', this.desired);
    const staleTopics = stale.map(([topic]) => topic);
    this.found.clear(); // only the first scan decides what to clean up; at 10,000 devices it holds 20 MB
    if (staleTopics.length > 0) {
      this.log.info(
        { migrated: migrating.length, removed: stale.length - migrating.length },
        'clearing discovery configs no longer produced',
      );
      this.later(migrating.length > 0 ? (this.options.migrationGapMs ?? 1000) : 0, () =>
        this.mqtt.clearRetained(staleTopics),
      );
    }
  }
}
