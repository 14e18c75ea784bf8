// The MQTT output: entity states, call lists, availability, events and command answers from the bus, through the
// façade, as CONTRACT §3 names them.
import type { Bus } from '../bus.ts';
import type { EntityKind } from '../entities/fields.ts';
import { CALL_LISTS, entityKey, type EntityState } from '../entities/state.ts';
import type { MqttFacade } from './facade.ts';
import { entityMessages, type OutputMode } from './output.ts';
import type { Topics } from './topics.ts';

export class MqttStatePublisher {
  /** The topics each entity was last published at (attribute mode writes several), to clear what goes away. */
  private readonly entityTopics = new Map<string, string[]>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly mqtt: MqttFacade,
    private readonly topics: Topics,
    private readonly output: OutputMode,
  ) {}

  start(): void {
    const { bus, mqtt, topics } = this;
    this.unsubscribe.push(
      bus.on('state', (change) => {
        for (const entity of change.changed) this.publishEntity(entity);
        for (const { kind, number } of change.removed) this.clearEntity(kind, number);
        for (const name of CALL_LISTS) {
          const list = change.lists[name];
          if (list) mqtt.setTopic('state', topics.calls(name), JSON.stringify(list));
        }
      }),
      bus.on('pbxHealth', (health) => {
        if (health.reachable !== null)
          mqtt.setTopic('state', topics.pbxAvailability, health.reachable ? 'online' : 'offline');
      }),
      bus.on('call', (event) => mqtt.publishEvent(topics.event('call'), JSON.stringify(event))),
      bus.on('alarmProgress', (progress) =>
        mqtt.publishEvent(topics.event('alarm_call'), JSON.stringify(progress)),
      ),
      bus.on('commandResult', (response) =>
        mqtt.publishEvent(topics.bridgeResponse, JSON.stringify(response)),
      ),
    );
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private publishEntity(entity: EntityState): void {
    const key = entityKey(entity.kind, entity.number);
    const messages = entityMessages(
      this.topics.entity(entity.kind, entity.number),
      entity.payload,
      this.output,
    );
    const now = new Set(messages.map(([topic]) => topic));
    for (const topic of this.entityTopics.get(key) ?? []) {
      if (!now.has(topic)) this.mqtt.removeTopic('state', topic);
    }
    for (const [topic, payload] of messages) this.mqtt.setTopic('state', topic, payload);
    this.entityTopics.set(key, [...now]);
  }

  private clearEntity(kind: EntityKind, number: string): void {
    const key = entityKey(kind, number);
    for (const topic of this.entityTopics.get(key) ?? []) this.mqtt.removeTopic('state', topic);
    this.entityTopics.delete(key);
  }
}
