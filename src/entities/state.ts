// The published state (pure): the PBX as entity payloads, and what changed since the last projection, keyed by
// entity, so that outputs send only what changed.
import type { SipFields } from '../domain/alarm.ts';
import { CallActivity } from '../domain/call-activity.ts';
import type { CallFields, CallRecord } from '../domain/call.ts';
import type { LiveActivity } from '../domain/callcontrol-view.ts';
import type { JsonValue } from '../domain/json.ts';
import type { Extension, PbxSnapshot } from '../domain/types.ts';
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
  /** The monitored DNs' part in the calls, from Call Control (other DNs: from the polled calls). */
  liveActivity?: LiveActivity;
  /** Absent until calls are tracked (directory and trunks known). */
  calls?: { fields: CallFields; lists: Record<CallListName, readonly CallRecord[]> };
  sip?: SipFields;
}

export function entityKey(kind: EntityKind, number: string): string {
  return `${kind}/${number}`;
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

const ORDER: readonly EntityKind[] = ['pbx', 'extension', 'ring_group', 'queue', 'trunk'];

/**
 * The published state: projects views of the PBX into entity states and answers what changed. It looks only at
 * what can have changed: every entity of a list the PBX side replaced (a directory or trunk poll), else just the
 * extensions whose part in the calls changed and the queues, so a calls poll at 10,000 extensions touches a few.
 */
export class PublishedState {
  private readonly byKind = new Map<EntityKind, Map<string, EntityState>>(ORDER.map((k) => [k, new Map()]));
  private readonly lists = new Map<CallListName, { records: readonly CallRecord[]; json: string }>();
  private complete = false;
  private last: { extensions?: unknown; ringGroups?: unknown; trunks?: unknown; activity?: CallActivity } =
    {};
  private extensionIndex = new Map<string, Extension>();

  /** The change this view makes, or undefined when it changes nothing. */
  project(view: PbxView, complete: boolean): StateChange | undefined {
    const { snapshot } = view;
    const becameComplete = complete && !this.complete;
    const change: StateChange = { changed: [], removed: [], lists: {}, complete: complete || this.complete };
    const activity = new CallActivity(snapshot.activeCalls ?? [], view.liveActivity);
    this.offer(change, {
      kind: 'pbx',
      number: view.pbxId,
      name: snapshot.system?.fqdn ?? view.pbxId,
      swVersion: snapshot.system?.version ?? null,
      payload: pbxPayload(pbxSystemFields(snapshot, view.realtime), view.calls?.fields, view.sip),
    });
    const extension = (e: Extension): EntityState => {
      const status = activity.extensionStatus(e);
      return {
        kind: 'extension',
        number: e.number,
        name: e.name,
        payload: extensionPayload(e, status),
        profiles: e.profiles,
      };
    };
    if (snapshot.extensions !== this.last.extensions || !this.last.activity) {
      // A new list from a directory poll: the PBX reads hand back the same object for an unchanged user, so only
      // new or changed users, and those whose part in the calls moved, are projected again.
      const before = this.last.activity ? this.extensionIndex : new Map<string, Extension>();
      const moved = new Set(this.last.activity ? activity.changedSince(this.last.activity) : []);
      const states = this.byKind.get('extension')!;
      this.extensionIndex = new Map((snapshot.extensions ?? []).map((e) => [e.number, e]));
      this.replaceStates(
        change,
        'extension',
        (snapshot.extensions ?? []).map((e) => {
          const kept = before.get(e.number) === e && !moved.has(e.number) ? states.get(e.number) : undefined;
          return kept ?? extension(e);
        }),
      );
    } else {
      for (const dn of activity.changedSince(this.last.activity)) {
        const e = this.extensionIndex.get(dn);
        if (e) this.offer(change, extension(e));
      }
    }
    if (snapshot.ringGroups !== this.last.ringGroups)
      this.replaceKind(change, 'ring_group', snapshot.ringGroups, ringGroupPayload);
    // Queues are few, and their waiting callers follow every call: always looked at.
    this.replaceKind(change, 'queue', snapshot.queues, (q) => queuePayload(q, activity.waitingCallers(q)));
    if (snapshot.trunks !== this.last.trunks)
      this.replaceKind(change, 'trunk', snapshot.trunks, trunkPayload);
    this.last = {
      extensions: snapshot.extensions,
      ringGroups: snapshot.ringGroups,
      trunks: snapshot.trunks,
      activity,
    };
    this.takeLists(change, view.calls);
    this.complete = change.complete;
    const empty =
      change.changed.length === 0 && change.removed.length === 0 && Object.keys(change.lists).length === 0;
    return empty && !becameComplete ? undefined : change;
  }

  private offer(change: StateChange, state: EntityState): void {
    const entities = this.byKind.get(state.kind)!;
    const previous = entities.get(state.number);
    if (previous && sameEntity(previous, state)) return;
    entities.set(state.number, state);
    change.changed.push(state);
  }

  /** A whole list of one kind from the snapshot, with its payload builder. */
  private replaceKind<T extends { number: string; name: string }>(
    change: StateChange,
    kind: EntityKind,
    items: readonly T[] | undefined,
    payload: (item: T) => EntityPayload,
  ): void {
    const states = (items ?? []).map((item) => ({
      kind,
      number: item.number,
      name: item.name,
      payload: payload(item),
    }));
    this.replaceStates(change, kind, states);
  }

  /** A whole list of one kind: each entity offered, the ones no longer listed removed. */
  private replaceStates(change: StateChange, kind: EntityKind, states: readonly EntityState[]): void {
    const listed = new Set<string>();
    for (const state of states) {
      listed.add(state.number);
      this.offer(change, state);
    }
    const entities = this.byKind.get(kind)!;
    for (const number of [...entities.keys()]) {
      if (listed.has(number)) continue;
      entities.delete(number);
      change.removed.push({ kind, number });
    }
  }

  private takeLists(change: StateChange, calls: PbxView['calls']): void {
    for (const name of CALL_LISTS) {
      const records = calls?.lists[name];
      if (!records) continue;
      const previous = this.lists.get(name);
      // The call service hands over the same array while a list is unchanged: no serialising on every poll.
      if (previous?.records === records) continue;
      const json = JSON.stringify(records);
      if (previous?.json === json) {
        previous.records = records;
        continue;
      }
      this.lists.set(name, { records, json });
      change.lists[name] = records;
    }
  }

  /** Every entity, in publishing order. */
  all(): EntityState[] {
    return ORDER.flatMap((kind) => [...this.byKind.get(kind)!.values()]);
  }

  ofKind(kind: EntityKind): EntityState[] {
    return [...this.byKind.get(kind)!.values()];
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
