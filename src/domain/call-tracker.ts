// The call tracker: a pure state machine over observations of calls, with an injectable clock. Polling gives
// whole snapshots (successful ActiveCalls polls): a call is ended when gone from two consecutive ones. Call Control
// gives live observations of single calls, and the end of a call when its last leg is removed: ended at once.
// One logical call per PBX call Id (queue and ring-group legs folded in); times from the PBX's own clock.
import { isMissed, outcomeOf, type CallRecord } from './call.ts';
import {
  applyObservation,
  createTracked,
  iso,
  partyKind,
  emptyResult,
  pendingOf,
  sameRecord,
  type LegOptions,
  type PendingCaller,
  type Tracked,
  type TrackerResult,
} from './call-legs.ts';
import { observationOfRow, partyKey, type CallObservation } from './call-observation.ts';
import type { Directory } from './directory.ts';
import { normaliseNumber } from './phone-number.ts';
import type { ActiveCall } from './types.ts';

export { directionOf, type PendingCaller, type TrackerResult } from './call-legs.ts';

export interface TrackerOptions extends LegOptions {
  now: () => number;
}

/** Calls followed at once, at most (a large 3CX carries about a thousand). */
export const MAX_TRACKED_CALLS = 2000;
/** Live-ended PBX call Ids remembered, so that a poll answered before the end cannot start them again. */
const MAX_ENDED_LIVE = 4000;

export class CallTracker {
  private readonly calls = new Map<string, Tracked>();
  private readonly byPbxId = new Map<number, string>();
  private serverOffset = 0;
  /** PBX calls a live source ended (insertion order: oldest first). */
  private readonly endedLive = new Set<number>();
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
        callerKey: '',
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

  /** A successful ActiveCalls poll. */
  observe(rows: readonly ActiveCall[], directory: Directory): TrackerResult {
    return this.observeSnapshot(rows.map(observationOfRow), directory);
  }

  /**
   * Every call the PBX lists, from a source that sees them all (polling). Calls in `live` are followed by a live
   * source: their observations here are older than the live ones (skipped), and their absence ends nothing.
   */
  observeSnapshot(
    observations: readonly CallObservation[],
    directory: Directory,
    live: ReadonlySet<number> = new Set(),
  ): TrackerResult {
    const serverNow = this.takeClock(observations);
    const result = emptyResult();
    const byId = new Map<number, CallObservation[]>();
    for (const obs of observations) {
      const group = byId.get(obs.id);
      if (group) group.push(obs);
      else byId.set(obs.id, [obs]);
    }
    result.offered = byId.size;
    this.capCalls(byId);
    for (const id of this.endedLive) if (!byId.has(id)) this.endedLive.delete(id);

    const seen = new Set<string>();
    for (const [pbxId, group] of byId) {
      const known = this.byPbxId.get(pbxId);
      if (known && [...this.calls.get(known)!.pbxIds].some((id) => live.has(id))) {
        seen.add(known);
        continue;
      }
      if (this.endedLive.has(pbxId)) continue;
      // Some builds list one call twice (queue leg Talking, agent leg Ringing): the agent's row tells more.
      const obs = group.find((o) => partyKind(o.callee, directory) === 'extension') ?? group[0]!;
      const current = { has: (id: number) => byId.has(id) || live.has(id) };
      seen.add(this.track(obs, current, serverNow, directory, result));
    }

    for (const tracked of [...this.calls.values()]) {
      if (seen.has(tracked.record.id)) continue;
      if ([...tracked.pbxIds].some((id) => live.has(id))) continue;
      tracked.missing++;
      if (tracked.missing === 1) tracked.firstMissingAt = serverNow;
      if (tracked.missing < 2) continue; // one poll without it may be a glitch; two successful polls end it
      this.end(tracked, result);
    }
    if (result.started.length + result.changed.length + result.ended.length > 0) this.activeList = undefined;
    return result;
  }

  /**
   * Observations of single calls from a live source (Call Control); other calls are not touched. `live`: every PBX
   * call the live source sees now.
   */
  observeLive(
    observations: readonly CallObservation[],
    directory: Directory,
    live: ReadonlySet<number>,
  ): TrackerResult {
    const serverNow = this.takeClock(observations);
    const result = emptyResult();
    const byId = new Map(observations.map((o) => [o.id, o]));
    const current = { has: (id: number) => byId.has(id) || live.has(id) };
    for (const obs of byId.values()) {
      if (this.endedLive.has(obs.id)) continue;
      if (!this.byPbxId.has(obs.id) && this.calls.size >= MAX_TRACKED_CALLS) continue;
      this.track(obs, current, serverNow, directory, result);
    }
    if (result.started.length + result.changed.length) this.activeList = undefined;
    return result;
  }

  /** A live source saw the last leg of these PBX calls go: their calls end now (no two-poll rule). */
  endLive(pbxIds: readonly number[]): TrackerResult {
    const result = emptyResult();
    const serverNow = this.serverNow();
    for (const pbxId of pbxIds) {
      this.rememberEnded(pbxId);
      const logicalId = this.byPbxId.get(pbxId);
      const tracked = logicalId ? this.calls.get(logicalId) : undefined;
      if (!tracked) continue;
      tracked.firstMissingAt = serverNow;
      this.end(tracked, result);
    }
    if (result.ended.length) this.activeList = undefined;
    return result;
  }

  private rememberEnded(pbxId: number): void {
    this.endedLive.add(pbxId);
    if (this.endedLive.size > MAX_ENDED_LIVE) {
      const oldest = this.endedLive.values().next().value;
      if (oldest !== undefined) this.endedLive.delete(oldest);
    }
  }

  private takeClock(observations: readonly CallObservation[]): number {
    const local = this.options.now();
    const withClock = observations.find((o) => o.serverNow && !Number.isNaN(Date.parse(o.serverNow)));
    if (withClock) this.serverOffset = Date.parse(withClock.serverNow!) - local;
    return local + this.serverOffset;
  }

  /** Applies one observation (creating or folding the call); returns the logical call's id. */
  private track(
    obs: CallObservation,
    current: { has(id: number): boolean },
    serverNow: number,
    directory: Directory,
    result: TrackerResult,
  ): string {
    const pbxId = obs.id;
    let logicalId = this.byPbxId.get(pbxId);
    let tracked = logicalId ? this.calls.get(logicalId) : undefined;
    let isNew = false;
    if (!tracked) {
      const folded = this.foldCandidate(obs, current);
      tracked = folded ?? createTracked(obs, serverNow, directory, this.options);
      isNew = !folded;
      tracked.pbxIds.add(pbxId);
      tracked.record.pbx_call_ids = [...tracked.pbxIds];
      this.calls.set(tracked.record.id, tracked);
      this.byPbxId.set(pbxId, tracked.record.id);
      logicalId = tracked.record.id;
      this.activeList = undefined;
    }
    tracked.missing = 0;
    const before = { ...tracked.record };
    const events = applyObservation(tracked, obs, serverNow, directory, this.options);
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
    return logicalId!;
  }

  private end(tracked: Tracked, result: TrackerResult): void {
    if (tracked.needsCallerId) result.endedPending.push(pendingOf(tracked));
    const record = this.finish(tracked);
    result.ended.push(record);
    result.events.push({ event_type: 'ended', call: record });
    if (isMissed(record)) result.events.push({ event_type: 'missed', call: record });
  }

  /**
   * At most MAX_TRACKED_CALLS PBX calls are followed (more than any PBX carries at once; a broken answer can list
   * far more): those already tracked first, then the oldest Ids.
   */
  private capCalls(byId: Map<number, CallObservation[]>): void {
    if (byId.size <= MAX_TRACKED_CALLS) return;
    const ids = [...byId.keys()].sort(
      (a, b) => Number(this.byPbxId.has(b)) - Number(this.byPbxId.has(a)) || a - b,
    );
    for (const id of ids.slice(MAX_TRACKED_CALLS)) byId.delete(id);
  }

  private foldCandidate(obs: CallObservation, current: { has(id: number): boolean }): Tracked | undefined {
    // A new Id for a caller that was waiting at a queue or ring group, whose old Id is gone, is that call's next leg.
    // Not when the caller text shows the trunk's DID: every call on that trunk shows the same text.
    const key = partyKey(obs.caller);
    return [...this.calls.values()].find(
      (t) =>
        t.atGroup &&
        !t.callerShowsDid &&
        t.callerKey !== '' &&
        t.callerKey === key &&
        ![...t.pbxIds].some((id) => current.has(id)),
    );
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
