// The Home Assistant output: discovery as a view of the published entities. Recomputed only when the set of devices
// or what discovery shows of them (names, presence profiles, version) changes, not on every state change.
import type { Bus } from '../bus.ts';
import { entityKey, type EntityState } from '../entities/state.ts';
import type { Logger } from '../log.ts';
import type { MqttFacade } from '../mqtt/facade.ts';
import { discoveryMessages, type DiscoveredDevice, type DiscoveryContext } from './discovery.ts';
import { DiscoveryLifecycle, type LifecycleOptions } from './lifecycle.ts';

export interface DiscoveryPublisherOptions {
  context: DiscoveryContext;
  lifecycle: LifecycleOptions;
}

/** What discovery shows of an entity. */
export function discoveredDevice(entity: EntityState): DiscoveredDevice {
  return {
    kind: entity.kind,
    number: entity.number,
    name: entity.name,
    ...(entity.profiles ? { profiles: entity.profiles } : {}),
    ...(entity.kind === 'pbx' ? { swVersion: entity.swVersion ?? null } : {}),
  };
}

const sameDevice = (a: DiscoveredDevice, b: DiscoveredDevice) =>
  a.name === b.name &&
  a.swVersion === b.swVersion &&
  (a.profiles ?? []).join('\u0000') === (b.profiles ?? []).join('\u0000');

export class DiscoveryPublisher {
  private readonly lifecycle: DiscoveryLifecycle;
  private readonly devices = new Map<string, DiscoveredDevice>();
  private unsubscribe?: () => void;
  private messages?: Map<string, string>;
  private complete = false;

  constructor(
    private readonly bus: Bus,
    mqtt: MqttFacade,
    private readonly options: DiscoveryPublisherOptions,
    log: Logger,
  ) {
    this.lifecycle = new DiscoveryLifecycle(mqtt, options.lifecycle, log);
  }

  start(): void {
    this.lifecycle.start();
    this.unsubscribe = this.bus.on('state', (change) => {
      let changed = false;
      for (const entity of change.changed) {
        const key = entityKey(entity.kind, entity.number);
        const device = discoveredDevice(entity);
        const previous = this.devices.get(key);
        if (previous && sameDevice(previous, device)) continue;
        this.devices.set(key, device);
        changed = true;
      }
      for (const { kind, number } of change.removed)
        changed = this.devices.delete(entityKey(kind, number)) || changed;
      if (changed || (change.complete && !this.complete)) this.publish(changed, change.complete);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.lifecycle.stop();
  }

  private publish(devicesChanged: boolean, complete: boolean): void {
    if (!this.messages || devicesChanged) {
      this.messages = discoveryMessages(this.options.context, [...this.devices.values()]);
    }
    this.complete = complete;
    this.lifecycle.update(this.messages, complete);
  }
}
