// The published state (pure): the PBX as entity payloads, and what changed since the last projection, keyed by
// entity, so that outputs send only what changed.
import type { SipFields } from '../domain/alarm.ts';
import { CallActivity } from '../domain/call-activity.ts';
import type { CallFields, CallRecord } from '../domain/call.ts';
import type { JsonValue } from '../domain/json.ts';
import type { PbxSnapshot } from '../domain/types.ts';
import { extensionPayload } from './extension.ts';
import type { EntityKind, EntityPayload } from './fields.ts';
import { queuePayload, ringGroupPayload } from './groups.ts';
import { pbxPayload, pbxSystemFields, type RealtimeState } from './pbx.ts';
import { trunkPayload } from './trunk.ts';

export interface EntityState {
  kind: EntityKind;
  number: string;
  name: string;
  payload: EntityPayload;
  /** Extensions: the presence profile names (HA select options). */
  profiles?: readonly string[];
  /** The PBX: its version (HA device sw_version). */
  swVersion?: string | null;
}

export type CallListName = 'active' | 'recent' | 'missed';
export const CALL_LISTS: readonly CallListName[] = ['active', 'recent', 'missed'];

/** What a projection changed. */
export interface StateChange {
  /** New entities and entities whose payload, name or profiles changed, in publishing order. */
  changed: EntityState[];
  removed: { kind: EntityKind; number: string }[];
  /** Call lists whose content changed. */
  lists: Partial<Record<CallListName, readonly CallRecord[]>>;
  /** Every part of the PBX has been read once: discovery may clean up what it no longer produces. */
  complete: boolean;
}

/** Everything the projection reads. */
export interface PbxView {
  pbxId: string;
  realtime: RealtimeState;
  snapshot: PbxSnapshot;
  /** Absent until calls are tracked (directory and trunks known). */
  calls?: { fields: CallFields; lists: Record<CallListName, readonly CallRecord[]> };
  sip?: SipFields;
}

export function entityKey(kind: EntityKind, number: string): string {
  return `${kind}/${number}`;
}

/** Every entity of the view, the PBX first. */
export function projectEntities(view: PbxView): EntityState[] {
  const { snapshot } = view;
  const activity = new CallActivity(snapshot.activeCalls ?? []);
  return [
    {
      kind: 'pbx',
      number: view.pbxId,
      name: snapshot.system?.fqdn ?? view.pbxId,
      swVersion: snapshot.system?.version ?? null,
      payload: pbxPayload(pbxSystemFields(snapshot, view.realtime), view.calls?.fields, view.sip),
    },
    ...(snapshot.extensions ?? []).map((e) => ({
      kind: 'extension' as const,
      number: e.number,
      name: e.name,
      payload: extensionPayload(e, activity.extensionStatus(e)),
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
      payload: queuePayload(q, activity.waitingCallers(q)),
    })),
    ...(snapshot.trunks ?? []).map((t) => ({
      kind: 'trunk' as const,
      number: t.number,
      name: t.name,
      payload: trunkPayload(t),
    })),
  ];
}

export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => sameJson(a[key], b[key]));
}

function sameEntity(a: EntityState, b: EntityState): boolean {
  return (
    a.name === b.name &&
    a.swVersion === b.swVersion &&
    sameJson(a.payload, b.payload) &&
    sameJson(a.profiles as JsonValue, b.profiles as JsonValue)
  );
}

/** The current published state; each update answers what changed. */
export class PublishedState {
  private readonly entities = new Map<string, EntityState>();
  private readonly lists = new Map<CallListName, { records: readonly CallRecord[]; json: string }>();
  private complete = false;

  /** The change this projection makes, or undefined when it changes nothing. */
  update(next: readonly EntityState[], lists: PbxView['calls'], complete: boolean): StateChange | undefined {
    const becameComplete = complete && !this.complete;
    const change: StateChange = { changed: [], removed: [], lists: {}, complete: complete || this.complete };
    const seen = new Set<string>();
    for (const entity of next) {
      const key = entityKey(entity.kind, entity.number);
      seen.add(key);
      const previous = this.entities.get(key);
      if (previous && sameEntity(previous, entity)) continue;
      this.entities.set(key, entity);
      change.changed.push(entity);
    }
    for (const [key, entity] of this.entities) {
      if (seen.has(key)) continue;
      this.entities.delete(key);
      change.removed.push({ kind: entity.kind, number: entity.number });
    }
    for (const name of CALL_LISTS) {
      const records = lists?.lists[name];
      if (!records) continue;
      const json = JSON.stringify(records);
      if (this.lists.get(name)?.json === json) continue;
      this.lists.set(name, { records, json });
      change.lists[name] = records;
    }
    this.complete = change.complete;
    const empty =
      change.changed.length === 0 && change.removed.length === 0 && Object.keys(change.lists).length === 0;
    return empty && !becameComplete ? undefined : change;
  }

  /** Every entity, in publishing order. */
  all(): EntityState[] {
    return [...this.entities.values()];
  }

  ofKind(kind: EntityKind): EntityState[] {
    return this.all().filter((e) => e.kind === kind);
  }

  list(name: CallListName): readonly CallRecord[] {
    return this.lists.get(name)?.records ?? [];
  }

  get isComplete(): boolean {
    return this.complete;
  }

  /** Whether call lists exist yet (calls are tracked). */
  get tracking(): boolean {
    return this.lists.size > 0;
  }
}
