// The call tracker: a pure state machine over successive ActiveCalls snapshots (only successful polls), with an
// injectable clock. One logical call per PBX call Id (queue and ring-group legs folded in); ended when gone from two
// consecutive successful polls; times from the PBX's own clock.
import {
  isMissed,
  newCallRecord,
  outcomeOf,
  type CallDirection,
  type CallEvent,
  type CallRecord,
} from './call.ts';
import type { Directory, DnKind } from './directory.ts';
import { parseParty, type PartyText } from './dn.ts';
import { normaliseNumber } from './phone-number.ts';
import type { ActiveCall } from './types.ts';

export interface TrackerOptions {
  now: () => number;
  isVip: (number: string | null) => boolean;
  contactName: (number: string | null) => string | null;
}

/** A trunk call whose real caller number must come from the call log, with what to match it by. */
export interface PendingCaller {
  id: string;
  pbxIds: number[];
  trunkDn: string | null;
  startedAt: number;
}

/** Calls followed at once, at most (a large 3CX carries about a thousand). */
export const MAX_TRACKED_CALLS = 2000;

export interface TrackerResult {
  /** PBX calls in the poll (before the MAX_TRACKED_CALLS cap). */
  offered: number;
  started: CallRecord[];
  changed: CallRecord[];
  ended: CallRecord[];
  /** Ended calls whose real caller was still unknown. */
  endedPending: PendingCaller[];
  events: CallEvent[];
}

interface Tracked {
  record: CallRecord;
  pbxIds: Set<number>;
  missing: number;
  firstMissingAt: number;
  answeredByPerson: boolean;
  voicemail: boolean;
  callerText: string;
  trunkDn: string | null;
  /** The parenthesised number was the trunk's DID: the real caller must come from the call log. */
  needsCallerId: boolean;
  /** The caller text showed the trunk's DID (stays so once the caller is found): it names no caller. */
  callerShowsDid: boolean;
  atGroup: boolean;
}

const CONNECTED = new Set(['Talking', 'Held', 'Transferring', 'Rerouting']);
const INTERNAL_KINDS: ReadonlySet<DnKind> = new Set([
  'extension',
  'ring_group',
  'queue',
  'voicemail',
  'other',
]);

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function partyKind(party: PartyText | undefined, directory: Directory): DnKind | 'router' | 'unknown' {
  if (!party) return 'unknown';
  if (party.kind === 'router') return 'router';
  if (party.kind === 'voicemail') return 'voicemail';
  const kind = directory.kind(party.dn);
  // A DN the directory does not list, written with a number in parentheses, is a trunk leg.
  return kind === 'other' && party.number !== null ? 'trunk' : kind;
}

export function directionOf(callerKind: string, calleeKind: string): CallDirection | undefined {
  const callerOutside = callerKind === 'trunk';
  if (calleeKind === 'router' || calleeKind === 'unknown') return callerOutside ? 'inbound' : undefined;
  const calleeOutside = calleeKind === 'trunk';
  if (callerOutside && calleeOutside) return 'external';
  if (callerOutside) return 'inbound';
  if (calleeOutside) return 'outbound';
  return INTERNAL_KINDS.has(callerKind as DnKind) ? 'internal' : undefined;
}

/** Field by field (the tracker runs this for every call on every poll; no serialising). */
function sameRecord(a: CallRecord, b: CallRecord): boolean {
  for (const key of Object.keys(a) as (keyof CallRecord)[]) {
    if (key === 'pbx_call_ids') {
      if (
        a.pbx_call_ids.length !== b.pbx_call_ids.length ||
        a.pbx_call_ids.some((id, i) => id !== b.pbx_call_ids[i])
      )
        return false;
    } else if (a[key] !== b[key]) return false;
  }
  return true;
}

function pendingOf(tracked: Tracked): PendingCaller {
  return {
    id: tracked.record.id,
    pbxIds: [...tracked.pbxIds],
    trunkDn: tracked.trunkDn,
    startedAt: Date.parse(tracked.record.started_at),
  };
}

export class CallTracker {
  private readonly calls = new Map<string, Tracked>();
  private readonly byPbxId = new Map<number, string>();
  private serverOffset = 0;
  /** The calls in progress as published, rebuilt only when a call starts, changes or ends. */
  private activeList?: CallRecord[];

  constructor(private readonly options: TrackerOptions) {}

  /** Calls in progress, oldest first: the same array until one of them changes (copies, safe to keep). */
  get active(): CallRecord[] {
    this.activeList ??= [...this.calls.values()]
      .map((t) => ({ ...t.record }))
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
    return this.activeList;
  }

  /** The PBX's clock, as last seen in ServerNow (call-log times are on it, not on ours). */
  serverNow(): number {
    return this.options.now() + this.serverOffset;
  }

  /** PBX call Ids of calls in progress (a call-log row for one of them is not a call we missed). */
  get activePbxIds(): Set<number> {
    return new Set(this.byPbxId.keys());
  }

  /** Calls whose caller number must still come from the call log, with what to match them by. */
  unresolved(): PendingCaller[] {
    return [...this.calls.values()].filter((t) => t.needsCallerId).map(pendingOf);
  }

  /** Calls that were in progress when the gateway stopped. */
  restore(records: readonly CallRecord[]): void {
    for (const record of records) {
      const tracked: Tracked = {
        record: { ...record },
        pbxIds: new Set(record.pbx_call_ids),
        missing: 0,
        firstMissingAt: 0,
        answeredByPerson: record.answered_at !== null && record.agent !== null,
        voicemail: record.status === 'voicemail',
        callerText: '',
        trunkDn: null,
        needsCallerId: false,
        callerShowsDid: false,
        atGroup: false,
      };
      this.calls.set(record.id, tracked);
      for (const id of record.pbx_call_ids) this.byPbxId.set(id, record.id);
    }
    this.activeList = undefined;
  }

  /** Sets a caller number found in the call log; returns the updated call if it is still active. */
  resolveCaller(id: string, number: string | null): CallRecord | undefined {
    const tracked = this.calls.get(id);
    if (!tracked || !number) return undefined;
    this.activeList = undefined;
    tracked.needsCallerId = false;
    tracked.record.caller_number = normaliseNumber(number);
    tracked.record.caller_name =
      this.options.contactName(tracked.record.caller_number) ?? tracked.record.caller_name;
    tracked.record.vip = this.options.isVip(tracked.record.caller_number);
    return { ...tracked.record };
  }

  observe(rows: readonly ActiveCall[], directory: Directory): TrackerResult {
    const local = this.options.now();
    const withClock = rows.find((r) => r.serverNow && !Number.isNaN(Date.parse(r.serverNow)));
    if (withClock) this.serverOffset = Date.parse(withClock.serverNow!) - local;
    const serverNow = local + this.serverOffset;
    const result: TrackerResult = {
      offered: 0,
      started: [],
      changed: [],
      ended: [],
      endedPending: [],
      events: [],
    };

    const rowsById = new Map<number, ActiveCall[]>();
    for (const row of rows) {
      const group = rowsById.get(row.id);
      if (group) group.push(row);
      else rowsById.set(row.id, [row]);
    }
    result.offered = rowsById.size;
    this.capCalls(rowsById);

    const seen = new Set<string>();
    for (const [pbxId, group] of rowsById) {
      // Some builds list one call twice (queue leg Talking, agent leg Ringing): the agent's row tells more.
      const row = group.find((r) => partyKind(parseParty(r.callee), directory) === 'extension') ?? group[0]!;
      let logicalId = this.byPbxId.get(pbxId);
      let tracked = logicalId ? this.calls.get(logicalId) : undefined;
      let isNew = false;
      if (!tracked) {
        const folded = this.foldCandidate(row, rowsById);
        tracked = folded ?? this.create(row, pbxId, serverNow, directory);
        isNew = !folded;
        tracked.pbxIds.add(pbxId);
        tracked.record.pbx_call_ids = [...tracked.pbxIds];
        this.calls.set(tracked.record.id, tracked);
        this.byPbxId.set(pbxId, tracked.record.id);
        logicalId = tracked.record.id;
        this.activeList = undefined;
      }
      seen.add(logicalId!);
      tracked.missing = 0;
      const before = { ...tracked.record };
      const events = this.apply(tracked, row, serverNow, directory);
      if (isNew) {
        result.started.push({ ...tracked.record });
        if (
          !tracked.answeredByPerson &&
          (tracked.record.direction === 'inbound' || tracked.record.direction === 'internal')
        ) {
          result.events.push({ event_type: 'ringing', call: { ...tracked.record } });
        }
      } else if (!sameRecord(tracked.record, before)) {
        result.changed.push({ ...tracked.record });
      }
      result.events.push(...events.map((event_type) => ({ event_type, call: { ...tracked.record } })));
    }

    for (const tracked of [...this.calls.values()]) {
      if (seen.has(tracked.record.id)) continue;
      tracked.missing++;
      if (tracked.missing === 1) tracked.firstMissingAt = serverNow;
      if (tracked.missing < 2) continue; // one poll without it may be a glitch; two successful polls end it
      if (tracked.needsCallerId) result.endedPending.push(pendingOf(tracked));
      const record = this.finish(tracked);
      result.ended.push(record);
      result.events.push({ event_type: 'ended', call: record });
      if (isMissed(record)) result.events.push({ event_type: 'missed', call: record });
    }
    if (result.started.length + result.changed.length + result.ended.length > 0) this.activeList = undefined;
    return result;
  }

  /**
   * At most MAX_TRACKED_CALLS PBX calls are followed (more than any PBX carries at once; a broken answer can list
   * far more): those already tracked first, then the oldest Ids.
   */
  private capCalls(rowsById: Map<number, ActiveCall[]>): void {
    if (rowsById.size <= MAX_TRACKED_CALLS) return;
    const ids = [...rowsById.keys()].sort(
      (a, b) => Number(this.byPbxId.has(b)) - Number(this.byPbxId.has(a)) || a - b,
    );
    for (const id of ids.slice(MAX_TRACKED_CALLS)) rowsById.delete(id);
  }

  private foldCandidate(row: ActiveCall, current: ReadonlyMap<number, unknown>): Tracked | undefined {
    // A new Id for a caller that was waiting at a queue or ring group, whose old Id is gone, is that call's next leg.
    // Not when the caller text shows the trunk's DID: every call on that trunk shows the same text.
    return [...this.calls.values()].find(
      (t) =>
        t.atGroup &&
        !t.callerShowsDid &&
        t.callerText !== '' &&
        t.callerText === row.caller &&
        ![...t.pbxIds].some((id) => current.has(id)),
    );
  }

  private create(row: ActiveCall, pbxId: number, serverNow: number, directory: Directory): Tracked {
    const established = row.establishedAt ? Date.parse(row.establishedAt) : NaN;
    const startedAt = Number.isNaN(established) ? serverNow : established;
    const caller = parseParty(row.caller);
    const callerKind = partyKind(caller, directory);
    const calleeKind = partyKind(parseParty(row.callee), directory);
    const direction =
      directionOf(callerKind, calleeKind) ?? (callerKind === 'extension' ? 'outbound' : 'internal');
    const tracked: Tracked = {
      record: newCallRecord({
        id: `${pbxId}-${Math.floor(startedAt / 1000)}`,
        direction,
        started_at: iso(startedAt),
      }),
      pbxIds: new Set(),
      missing: 0,
      firstMissingAt: 0,
      answeredByPerson: false,
      voicemail: false,
      callerText: row.caller,
      trunkDn: null,
      needsCallerId: false,
      callerShowsDid: false,
      atGroup: false,
    };
    if (caller && caller.kind === 'dn') {
      if (callerKind === 'trunk') {
        tracked.trunkDn = caller.dn;
        const dids = directory.get(caller.dn)?.dids ?? [];
        const shown = caller.number;
        tracked.needsCallerId = !shown || dids.some((d) => d.replace(/\D/g, '') === shown.replace(/\D/g, ''));
        tracked.callerShowsDid = tracked.needsCallerId;
        tracked.record.caller_number = tracked.needsCallerId ? null : normaliseNumber(shown);
        tracked.record.caller_name = this.options.contactName(tracked.record.caller_number);
      } else {
        tracked.record.caller_number = caller.dn;
        tracked.record.caller_name = directory.get(caller.dn)?.name ?? (caller.name || null);
      }
    }
    tracked.record.vip = this.options.isVip(tracked.record.caller_number);
    return tracked;
  }

  /** Applies one row to a call; returns the events it caused. */
  private apply(
    tracked: Tracked,
    row: ActiveCall,
    serverNow: number,
    directory: Directory,
  ): CallEvent['event_type'][] {
    const events: CallEvent['event_type'][] = [];
    const record = tracked.record;
    const caller = parseParty(row.caller);
    const callee = parseParty(row.callee);
    const callerKind = partyKind(caller, directory);
    const calleeKind = partyKind(callee, directory);
    const resolved = directionOf(callerKind, calleeKind);
    if (resolved) record.direction = resolved;

    if (callee && callee.kind === 'dn') {
      if (calleeKind === 'trunk') {
        const dialled = normaliseNumber(callee.number);
        if (dialled && record.called_number !== dialled) {
          record.called_number = dialled;
          record.called_name = this.options.contactName(dialled);
        }
      } else if (
        record.called_number === null ||
        tracked.atGroup ||
        calleeKind === 'ring_group' ||
        calleeKind === 'queue'
      ) {
        // The first real destination (after ROUTER) is what was called; a group keeps its number as the called one.
        if (record.called_number === null || calleeKind === 'ring_group' || calleeKind === 'queue') {
          record.called_number = callee.dn;
          record.called_name = directory.get(callee.dn)?.name ?? (callee.name || null);
        }
      }
    }
    tracked.atGroup = calleeKind === 'ring_group' || calleeKind === 'queue';

    const connected = CONNECTED.has(row.status);
    const personAnswered =
      connected &&
      (record.direction === 'outbound' || record.direction === 'external'
        ? calleeKind === 'trunk'
        : calleeKind === 'extension');

    if (callee?.kind === 'voicemail') {
      record.status = 'voicemail';
      if (!tracked.voicemail) {
        tracked.voicemail = true;
        events.push('voicemail');
      }
    } else if (personAnswered) {
      record.status = row.status === 'Held' ? 'held' : 'talking';
      const person =
        record.direction === 'outbound'
          ? caller?.kind === 'dn'
            ? caller.dn
            : null
          : callee?.kind === 'dn'
            ? callee.dn
            : null;
      if (!tracked.answeredByPerson) {
        tracked.answeredByPerson = true;
        const changed = row.lastChangeStatus ? Date.parse(row.lastChangeStatus) : NaN;
        record.answered_at = iso(Number.isNaN(changed) ? serverNow : changed);
        events.push('answered');
      }
      if (person && record.agent !== person) record.agent = person; // a transfer hands the call to another agent
    } else if (callee?.kind === 'router' || row.status === 'Routing') {
      if (!tracked.answeredByPerson) record.status = 'routing';
    } else if (!tracked.answeredByPerson) {
      record.status = 'ringing'; // Ringing, Initiating, or waiting at a queue (some builds say Talking: hold music)
    }
    return events;
  }

  private finish(tracked: Tracked): CallRecord {
    const record = tracked.record;
    record.ended_at = iso(tracked.firstMissingAt);
    record.status = 'ended';
    record.outcome = outcomeOf(record.direction, tracked.answeredByPerson, tracked.voicemail);
    record.duration =
      tracked.answeredByPerson && record.answered_at
        ? Math.max(0, Math.round((tracked.firstMissingAt - Date.parse(record.answered_at)) / 1000))
        : 0;
    this.calls.delete(record.id);
    for (const id of tracked.pbxIds) this.byPbxId.delete(id);
    return { ...record };
  }
}
