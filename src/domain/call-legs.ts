// How one observation of a call changes the tracked call (pure): its parties' kinds, direction, called number,
// answer, voicemail and the real caller. Used by the call tracker for polled and live observations alike.
import { newCallRecord, type CallDirection, type CallEvent, type CallRecord } from './call.ts';
import type { CallObservation } from './call-observation.ts';
import { partyKey } from './call-observation.ts';
import type { Directory, DnKind } from './directory.ts';
import type { PartyText } from './dn.ts';
import { normaliseNumber } from './phone-number.ts';

export interface LegOptions {
  isVip: (number: string | null) => boolean;
  contactName: (number: string | null) => string | null;
}

export interface Tracked {
  record: CallRecord;
  pbxIds: Set<number>;
  missing: number;
  firstMissingAt: number;
  answeredByPerson: boolean;
  voicemail: boolean;
  callerKey: string;
  trunkDn: string | null;
  /** The parenthesised number was the trunk's DID: the real caller must come from the call log. */
  needsCallerId: boolean;
  /** The caller text showed the trunk's DID (stays so once the caller is found): it names no caller. */
  callerShowsDid: boolean;
  atGroup: boolean;
}

/** A trunk call whose real caller number must come from the call log, with what to match it by. */
export interface PendingCaller {
  id: string;
  pbxIds: number[];
  trunkDn: string | null;
  startedAt: number;
}

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

export function emptyResult(): TrackerResult {
  return { offered: 0, started: [], changed: [], ended: [], endedPending: [], events: [] };
}

export function pendingOf(tracked: Tracked): PendingCaller {
  return {
    id: tracked.record.id,
    pbxIds: [...tracked.pbxIds],
    trunkDn: tracked.trunkDn,
    startedAt: Date.parse(tracked.record.started_at),
  };
}

const CONNECTED = new Set(['Talking', 'Held', 'Transferring', 'Rerouting']);
const INTERNAL_KINDS: ReadonlySet<DnKind> = new Set([
  'extension',
  'ring_group',
  'queue',
  'voicemail',
  'other',
]);

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function partyKind(party: PartyText | undefined, directory: Directory): DnKind | 'router' | 'unknown' {
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
export function sameRecord(a: CallRecord, b: CallRecord): boolean {
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

/** A call first seen in this observation. */
export function createTracked(
  obs: CallObservation,
  serverNow: number,
  directory: Directory,
  options: LegOptions,
): Tracked {
  const established = obs.establishedAt ? Date.parse(obs.establishedAt) : NaN;
  const startedAt = Number.isNaN(established) ? serverNow : established;
  const caller = obs.caller;
  const callerKind = partyKind(caller, directory);
  const calleeKind = partyKind(obs.callee, directory);
  const direction =
    directionOf(callerKind, calleeKind) ?? (callerKind === 'extension' ? 'outbound' : 'internal');
  const tracked: Tracked = {
    record: newCallRecord({
      id: `${obs.id}-${Math.floor(startedAt / 1000)}`,
      direction,
      started_at: iso(startedAt),
    }),
    pbxIds: new Set(),
    missing: 0,
    firstMissingAt: 0,
    answeredByPerson: false,
    voicemail: false,
    callerKey: partyKey(caller),
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
      tracked.needsCallerId =
        !shown || (!obs.callerIsReal && dids.some((d) => d.replace(/\D/g, '') === shown.replace(/\D/g, '')));
      tracked.callerShowsDid = tracked.needsCallerId;
      tracked.record.caller_number = tracked.needsCallerId ? null : normaliseNumber(shown);
      tracked.record.caller_name = options.contactName(tracked.record.caller_number);
    } else {
      tracked.record.caller_number = caller.dn;
      tracked.record.caller_name = directory.get(caller.dn)?.name ?? (caller.name || null);
    }
  }
  tracked.record.vip = options.isVip(tracked.record.caller_number);
  return tracked;
}

/** A source that knows the real caller (Call Control) names it for a call first seen with only the DID. */
function takeRealCaller(tracked: Tracked, obs: CallObservation, options: LegOptions): void {
  const caller = obs.caller;
  if (!obs.callerIsReal || !tracked.needsCallerId || caller?.kind !== 'dn' || !caller.number) return;
  const number = normaliseNumber(caller.number);
  if (!number) return;
  tracked.needsCallerId = false;
  tracked.record.caller_number = number;
  tracked.record.caller_name = options.contactName(number) ?? tracked.record.caller_name;
  tracked.record.vip = options.isVip(number);
}

/** Applies one observation to a call; returns the events it caused. */
export function applyObservation(
  tracked: Tracked,
  obs: CallObservation,
  serverNow: number,
  directory: Directory,
  options: LegOptions,
): CallEvent['event_type'][] {
  const events: CallEvent['event_type'][] = [];
  const record = tracked.record;
  const { caller, callee } = obs;
  takeRealCaller(tracked, obs, options);
  const callerKind = partyKind(caller, directory);
  const calleeKind = partyKind(callee, directory);
  const resolved = directionOf(callerKind, calleeKind);
  if (resolved) record.direction = resolved;

  if (callee && callee.kind === 'dn') {
    if (calleeKind === 'trunk') {
      const dialled = normaliseNumber(callee.number);
      if (dialled && record.called_number !== dialled) {
        record.called_number = dialled;
        record.called_name = options.contactName(dialled);
      }
    } else if (record.called_number === null || calleeKind === 'ring_group' || calleeKind === 'queue') {
      // The first real destination (after ROUTER) is what was called; a group keeps its number as the called one.
      record.called_number = callee.dn;
      record.called_name = directory.get(callee.dn)?.name ?? (callee.name || null);
    }
  }
  tracked.atGroup = calleeKind === 'ring_group' || calleeKind === 'queue';

  const connected = CONNECTED.has(obs.status);
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
    record.status = obs.status === 'Held' ? 'held' : 'talking';
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
      const changed = obs.lastChangeStatus ? Date.parse(obs.lastChangeStatus) : NaN;
      record.answered_at = iso(Number.isNaN(changed) ? serverNow : changed);
      events.push('answered');
    }
    if (person && record.agent !== person) record.agent = person; // a transfer hands the call to another agent
  } else if (callee?.kind === 'router' || obs.status === 'Routing') {
    if (!tracked.answeredByPerson) record.status = 'routing';
  } else if (!tracked.answeredByPerson) {
    record.status = 'ringing'; // Ringing, Initiating, or waiting at a queue (some builds say Talking: hold music)
  }
  return events;
}
