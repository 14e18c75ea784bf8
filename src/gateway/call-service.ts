// Calls: feeds the tracker from successful polls, stores every call once, reconciles with the call log (missed
// polls, downtime, real caller IDs) and CRM journal entries by the rules of domain/reconcile.ts, and builds the call
// fields and lists that get published.
import type { Config } from '../config/schema.ts';
import type { CallEvent, CallFields, CallRecord } from '../domain/call.ts';
import { findCallerInLog, type CallLogLeg } from '../domain/call-log.ts';
import { CALLER_LOOKUP, CallerLookup } from '../domain/caller-lookup.ts';
import { observationOfRow, type CallObservation } from '../domain/call-observation.ts';
import { CallTracker, MAX_TRACKED_CALLS, type TrackerResult } from '../domain/call-tracker.ts';
import { Phonebook, type Contact } from '../domain/contact.ts';
import type { Directory } from '../domain/directory.ts';
import type { Journal } from '../domain/journal.ts';
import { vipMatcher } from '../domain/phone-number.ts';
import { WINDOWS } from '../domain/reconcile.ts';
import type { ActiveCall } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { CallStore } from '../store/database.ts';
import { storedCall, type CallerSource, type StoredCall } from '../store/stored-call.ts';
import { applyLoggedCalls, callersOfEnded, legOfAnotherCall, type CallerContext } from './call-log-apply.ts';
import { CallViews, type CallLists } from './call-views.ts';
import { JournalMerge, type JournalResult } from './journal-merge.ts';

export interface CallServiceOptions {
  store: CallStore;
  timeZone: string;
  vip: readonly string[];
  recentLimit: number;
  missedLimit: number;
  publicUrl: string;
  log: Logger;
  now?: () => number;
  /** How old a logged call must be before it counts as one the gateway missed live. */
  settleMs?: number;
}

export class CallService {
  readonly tracker: CallTracker;
  private readonly phonebook = new Phonebook();
  private readonly isVip: (number: string | null) => boolean;
  private readonly now: () => number;
  /** Calls in progress when the gateway last stopped: their end happened unseen, so the call log's times win. */
  private readonly restored = new Set<string>();
  /** The call log should be read now rather than at the next interval (a caller to find, a restored call ended). */
  private callLogWanted = false;
  /** Trunk calls waiting for their real caller: end events held, late callers announced as `updated`. */
  private readonly lookup = new CallerLookup();
  private readonly views: CallViews;
  private readonly journals: JournalMerge;
  /** The last poll listed more calls than are tracked (logged once per episode). */
  private capped = false;

  static forConfig(
    config: Config,
    store: CallStore,
    log: Logger,
    now: () => number,
    settleMs?: number,
  ): CallService {
    return new CallService({
      store,
      timeZone: config.pbx.timezone,
      vip: config.contacts.vip,
      recentLimit: config.history.recent_calls,
      missedLimit: config.history.recent_missed_calls,
      publicUrl: (config.web.public_url ?? `http://${config.web.listen}`).replace(/\/$/, ''),
      log,
      now,
      ...(settleMs !== undefined ? { settleMs } : {}),
    });
  }

  constructor(private readonly options: CallServiceOptions) {
    this.now = options.now ?? Date.now;
    this.isVip = vipMatcher(options.vip);
    this.views = new CallViews(options);
    this.journals = new JournalMerge({
      store: options.store,
      timeZone: options.timeZone,
      log: options.log,
      activeCalls: () => this.tracker.active,
      contactName: (number) => this.phonebook.nameOf(number),
      isVip: this.isVip,
    });
    this.tracker = new CallTracker({
      now: this.now,
      isVip: this.isVip,
      contactName: (n) => this.contactName(n),
    });
  }

  /** Takes back the calls that were in progress when the gateway last stopped. */
  restore(): void {
    const open = this.options.store.openCalls();
    this.tracker.restore(open);
    for (const call of open) this.restored.add(call.id);
  }

  setContacts(contacts: Contact[]): void {
    this.phonebook.set(contacts);
  }

  contactName(number: string | null): string | null {
    return this.phonebook.nameOf(number);
  }

  private stored(call: CallRecord, extra: Parameters<typeof storedCall>[2] = {}): StoredCall {
    return storedCall(call, this.options.timeZone, extra);
  }

  /**
   * A successful ActiveCalls poll. Returns the events to publish. `live`: PBX calls the Call Control view follows
   * (the poll neither updates nor ends them).
   */
  observe(rows: readonly ActiveCall[], directory: Directory, live?: ReadonlySet<number>): CallEvent[] {
    const result = this.tracker.observeSnapshot(rows.map(observationOfRow), directory, live);
    this.noteOffered(result.offered);
    const events = this.take(result, () =>
      this.options.store.setMeta('last_poll_at', new Date(this.tracker.serverNow()).toISOString()),
    );
    return events;
  }

  /** Says once, when the PBX has more calls than are tracked (polled or live), that only the first are. */
  private noteOffered(offered: number): void {
    const capped = offered > MAX_TRACKED_CALLS;
    if (capped && !this.capped)
      this.options.log.warn(
        { offered, tracked: MAX_TRACKED_CALLS },
        `the PBX lists ${offered} calls: tracking the first ${MAX_TRACKED_CALLS}`,
      );
    this.capped = capped;
  }

  /** Calls as a live source (Call Control) sees them now; `live`: every PBX call it sees. */
  observeLive(
    observations: readonly CallObservation[],
    directory: Directory,
    live: ReadonlySet<number>,
  ): CallEvent[] {
    this.noteOffered(live.size);
    return this.take(this.tracker.observeLive(observations, directory, live));
  }

  /** PBX calls a live source saw end (their last leg removed, and gone from ActiveCalls). */
  endLive(pbxIds: readonly number[]): CallEvent[] {
    return this.take(this.tracker.endLive(pbxIds));
  }

  /** Stores what the tracker changed and holds end events whose caller is still to come. */
  private take(result: TrackerResult, alsoInBatch?: () => void): CallEvent[] {
    const { store } = this.options;
    // One commit for the whole poll (a first poll at a busy PBX starts a thousand calls).
    store.batch(() => {
      for (const call of result.started) {
        if (!store.insertCall(this.stored(call))) store.updateCall(this.stored(call)); // restored after a restart
      }
      for (const call of [...result.changed, ...result.ended]) this.saveKeepingLogFacts(call);
      alsoInBatch?.();
    });
    if (result.ended.some((call) => this.restored.has(call.id))) this.callLogWanted = true;
    const taken = this.lookup.take(result.events, this.tracker.unresolved(), result.endedPending, this.now());
    if (taken.readNow) this.callLogWanted = true;
    return taken.events;
  }

  /** Whether the call log should be read at once: a caller to look up, or a call that ended unseen needs its times. */
  takeCallLogRequest(): boolean {
    const wanted = this.callLogWanted;
    this.callLogWanted = false;
    return wanted;
  }

  /** How long until the next call-log read: fast while a caller is wanted soon, else the normal interval. */
  callLogInterval(normalMs: number): number {
    return this.lookup.wantsFastReads(this.now())
      ? Math.min(normalMs, CALLER_LOOKUP.fastIntervalMs)
      : normalMs;
  }

  /** Held end events whose wait is over (they go out without the caller; `updated` follows if it is found). */
  releaseHeld(): CallEvent[] {
    return this.lookup.expire(this.now());
  }

  /** When releaseHeld should next be called (epoch ms on the local clock), if anything is held. */
  get nextRelease(): number | undefined {
    return this.lookup.nextExpiry();
  }

  /**
   * Updates a tracked call without losing what the call log or webhook already told (main id, recording, caller).
   * `callerSource` names who gave the call's caller when it is new: the tracker (ActiveCalls) or the call log.
   */
  private saveKeepingLogFacts(call: CallRecord, callerSource: CallerSource = 'pbx'): void {
    const { store } = this.options;
    const existing = store.getCall(call.id);
    const keepCaller = call.caller_number === null || call.caller_number === existing?.caller_number;
    const merged: CallRecord = {
      ...call,
      caller_number: call.caller_number ?? existing?.caller_number ?? null,
      caller_name: call.caller_name ?? existing?.caller_name ?? null,
      recording_url: call.recording_url ?? existing?.recording_url ?? null,
    };
    store.updateCall(
      this.stored(merged, {
        main_call_history_id: existing?.main_call_history_id ?? null,
        source: existing?.source ?? 'poll',
        caller_source: keepCaller ? (existing?.caller_source ?? null) : callerSource,
      }),
    );
  }

  /** The window the next call-log read should cover. */
  syncWindow(): { from: number; to: number } {
    const now = this.tracker.serverNow() + 1000; // the PBX's clock; a second ahead so the newest rows are inside
    const synced = Date.parse(
      this.options.store.getMeta('call_log_synced_to') ?? this.options.store.getMeta('last_poll_at') ?? '',
    );
    const since = Number.isNaN(synced) ? now - WINDOWS.firstSync : synced - WINDOWS.callLogOverlap;
    // The log is read by start time and a call's rows appear when it ends: reach back to the start of every call
    // under way and of every call that ended since, however long it lasted.
    const starts = [
      since,
      ...this.tracker.active.map((call) => Date.parse(call.started_at)),
      this.options.store.earliestStartEndedAfter(since) ?? since,
    ].filter((start) => !Number.isNaN(start));
    return { from: Math.max(now - WINDOWS.maxReconcile, Math.min(...starts) - 1000), to: now };
  }

  /** Applies call-log legs: real callers for live calls, facts for tracked calls, and calls never seen live. */
  applyCallLog(legs: readonly CallLogLeg[]): CallEvent[] {
    return this.options.store.batch(() => this.applyCallLogNow(legs));
  }

  private applyCallLogNow(legs: readonly CallLogLeg[]): CallEvent[] {
    const { store } = this.options;
    const events: CallEvent[] = [];
    const now = this.tracker.serverNow();
    const settle = this.options.settleMs ?? WINDOWS.settle;
    for (const pending of this.tracker.unresolved()) {
      const number = findCallerInLog(pending, legs, legOfAnotherCall(store, pending.id));
      const updated = number ? this.tracker.resolveCaller(pending.id, number) : undefined;
      if (!updated) continue;
      this.saveKeepingLogFacts(updated, 'calllog');
      events.push(...this.lookup.resolved(updated));
    }
    const logged = applyLoggedCalls(legs, {
      store,
      timeZone: this.options.timeZone,
      publicUrl: this.options.publicUrl,
      log: this.options.log,
      serverNow: now,
      settleMs: settle,
      activePbxIds: this.tracker.activePbxIds,
      // A call in progress when the gateway stopped ended unseen: the call log's times win, once.
      endedUnseen: (call) => call.ended_at !== null && this.restored.delete(call.id),
      contactName: (number) => this.contactName(number),
      isVip: this.isVip,
    });
    events.push(...logged.events);
    for (const call of callersOfEnded(legs, this.lookup.endedPending(), this.callerContext()))
      events.push(...this.lookup.resolved(call));
    store.setMeta('call_log_synced_to', new Date(Math.max(now - settle, logged.latestSettled)).toISOString());
    return events;
  }

  private callerContext(): CallerContext {
    return { store: this.options.store, contactName: (n) => this.contactName(n), isVip: this.isVip };
  }

  /** A call reported by 3CX's CRM journaling (see JournalMerge). */
  mergeJournal(journal: Journal): JournalResult {
    return this.journals.merge(journal);
  }

  /** The call fields of `<b>/pbx` (CONTRACT "Derived values"), dependencies first. */
  pbxFields(): CallFields {
    return this.views.fields(this.tracker.active, this.lookup.heldEnded(), this.now());
  }

  /** `calls/active`, `calls/recent`, `calls/missed`. */
  lists(): CallLists {
    return this.views.lists(this.tracker.active, this.lookup.heldEnded(), this.now());
  }

  purge(retentionDays: number): number {
    return this.options.store.purgeEndedBefore(
      new Date(this.now() - retentionDays * 86400_000).toISOString(),
    );
  }
}
