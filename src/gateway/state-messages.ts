// The retained state messages for a snapshot (pure): `<b>/pbx`, `<b>/pbx/availability` and every entity.
import {
  extensionPayload,
  pbxPayload,
  queuePayload,
  ringGroupPayload,
  trunkPayload,
  type EntityPayload,
  type JsonValue,
} from '../domain/entity-states.ts';
import type { PbxSnapshot } from '../domain/types.ts';
import type { DiscoveredDevice } from '../homeassistant/discovery.ts';
import { entityMessages, type OutputMode } from '../mqtt/output.ts';
import type { EntityKind, Topics } from '../mqtt/topics.ts';

export interface PublishedEntity {
  kind: EntityKind;
  number: string;
  name: string;
  payload: EntityPayload;
  profiles?: string[];
}

export function publishedEntities(snapshot: PbxSnapshot): PublishedEntity[] {
  const calls = snapshot.activeCalls ?? [];
  return [
    ...(snapshot.extensions ?? []).map((e) => ({
      kind: 'extension' as const,
      number: e.number,
      name: e.name,
      payload: extensionPayload(e, calls),
      profiles: e.profiles,
    })),
    ...(snapshot.ringGroups ?? []).map((g) => ({
      kind: 'ring_group' as const,
      number: g.number,
      name: g.name,
      payload: ringGroupPayload(g),
    })),
    ...(snapshot.queues ?? []).map((q) => ({
      kind: 'queue' as const,
      number: q.number,
      name: q.name,
      payload: queuePayload(q, calls),
    })),
    ...(snapshot.trunks ?? []).map((t) => ({
      kind: 'trunk' as const,
      number: t.number,
      name: t.name,
      payload: trunkPayload(t),
    })),
  ];
}

export function stateMessages(
  snapshot: PbxSnapshot,
  entities: readonly PublishedEntity[],
  topics: Topics,
  output: OutputMode,
  availabilityKnown: boolean,
  calls?: { pbx: EntityPayload; lists: { active: JsonValue; recent: JsonValue; missed: JsonValue } },
): Map<string, string> {
  const messages = new Map<string, string>();
  if (availabilityKnown) messages.set(topics.pbxAvailability, snapshot.reachable ? 'online' : 'offline');
  const pbx = { ...pbxPayload(snapshot), ...calls?.pbx };
  for (const [topic, payload] of entityMessages(topics.pbx, pbx, output)) messages.set(topic, payload);
  if (calls) {
    messages.set(topics.calls('active'), JSON.stringify(calls.lists.active));
    messages.set(topics.calls('recent'), JSON.stringify(calls.lists.recent));
    messages.set(topics.calls('missed'), JSON.stringify(calls.lists.missed));
  }
  for (const entity of entities) {
    for (const [topic, payload] of entityMessages(
      topics.entity(entity.kind, entity.number),
      entity.payload,
      output,
    )) {
      messages.set(topic, payload);
    }
  }
  return messages;
}

export function discoveredDevices(
  snapshot: PbxSnapshot,
  entities: readonly PublishedEntity[],
  pbxId: string,
): DiscoveredDevice[] {
  return [
    {
      kind: 'pbx',
      number: pbxId,
      name: snapshot.system?.fqdn ?? pbxId,
      swVersion: snapshot.system?.version ?? null,
    },
    ...entities.map((e) => ({
      kind: e.kind,
      number: e.number,
      name: e.name,
      ...(e.profiles ? { profiles: e.profiles } : {}),
    })),
  ];
}
