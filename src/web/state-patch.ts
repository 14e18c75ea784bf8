// Dashboard updates as patches keyed by entity: what changed since the last send, merged, so an idle PBX sends
// nothing and a busy one sends each changed entity once per throttle window.
import type { CallRecord } from '../domain/call.ts';
import type { EntityPayload } from '../entities/fields.ts';
import { kindDefinition } from '../entities/registry.ts';
import type { CallListName, StateChange } from '../entities/state.ts';

/** A change to /api/state's shape: sections by kind (`extensions`, …) keyed by number; `pbx` whole. */
export interface StatePatch {
  pbx?: EntityPayload;
  set?: Record<string, Record<string, EntityPayload>>;
  remove?: Record<string, string[]>;
  calls?: Partial<Record<CallListName, readonly CallRecord[]>>;
  pbx_availability?: 'online' | 'offline';
  bridge?: { state: 'online'; mqtt_connected: boolean };
}

export class PatchBuffer {
  private patch: StatePatch = {};
  private empty = true;

  add(change: StateChange): void {
    for (const entity of change.changed) {
      this.empty = false;
      if (entity.kind === 'pbx') {
        this.patch.pbx = entity.payload;
        continue;
      }
      const section = kindDefinition(entity.kind).stateKey;
      ((this.patch.set ??= {})[section] ??= {})[entity.number] = entity.payload;
      const removed = this.patch.remove?.[section];
      if (removed) this.patch.remove![section] = removed.filter((n) => n !== entity.number);
    }
    for (const { kind, number } of change.removed) {
      this.empty = false;
      const section = kindDefinition(kind).stateKey;
      delete this.patch.set?.[section]?.[number];
      ((this.patch.remove ??= {})[section] ??= []).push(number);
    }
    for (const [name, list] of Object.entries(change.lists) as [CallListName, readonly CallRecord[]][]) {
      this.empty = false;
      (this.patch.calls ??= {})[name] = list;
    }
  }

  availability(reachable: boolean | null): void {
    if (reachable === null) return;
    this.empty = false;
    this.patch.pbx_availability = reachable ? 'online' : 'offline';
  }

  mqtt(connected: boolean): void {
    this.empty = false;
    this.patch.bridge = { state: 'online', mqtt_connected: connected };
  }

  /** The patch so far, or undefined when nothing changed; starts a new one. */
  take(): StatePatch | undefined {
    if (this.empty) return undefined;
    const patch = this.patch;
    this.patch = {};
    this.empty = true;
    return patch;
  }

  clear(): void {
    this.patch = {};
    this.empty = true;
  }
}
