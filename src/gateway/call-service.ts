// Calls: feeds the tracker from successful polls, stores every call once, reconciles with the call log (missed
// polls, downtime, real caller IDs) and CRM journal entries by the rules of domain/reconcile.ts, and builds the call
// fields and lists that get published.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { CallEvent, CallFields, CallRecord } from '../domain/call.ts';
import { isMissed } from '../domain/call.ts';
import { findCallerInLog, groupLegs, legEnd, loggedCall, type CallLogLeg } from '../domain/call-log.ts';
import { CALLER_LOOKUP, CallerLookup } from '../domain/caller-lookup.ts';
import { CallViews, type CallLists } from './call-views.ts';
import { CallTracker } from '../domain/call-tracker.ts';
import type { Contact } from '../domain/contact.ts';
import type { Directory } from '../domain/directory.ts';
import type { Journal } from '../domain/journal.ts';
import { localDay } from '../domain/local-day.ts';
import { normaliseNumber, sameNumber, vipMatcher } from '../domain/phone-number.ts';
import {
  callFromJournal,
  callFromLog,
  isSameLoggedCall,
  decideJournal,
  journalKey,
  WINDOWS,
  withJournalCaller,
  withLoggedFacts,
} from '../domain/reconcile.ts';
import type { ActiveCall } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import {
  plainCall,
  type CallerSource,
  type CallSource,
  type CallStore,
  type StoredCall,
} from '../store/database.ts';

export interface JournalResult {
  created: boolean;
  /** The call the entry was merged into or stored as; null when it waits or fits several calls. */
  id: string | null;
  deferred?: boolean;
  events: CallEvent[];
}

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
  private contacts: Contact[] = [];
  private readonly isVip: (number: string | null) => boolean;
  private readonly now: () => number;
  /** Calls in progress when the gateway last stopped: their end happened unseen, so the call log's times win. */
  private readonly restored = new Set<string>();
  /** The call log should be read now rather than at the next interval (a caller to find, a restored call ended). */
  private callLogWanted = false;
  /** Trunk calls waiting for their real caller: end events held, late callers announced as `updated`. */
  private readonly lookup = new CallerLookup();
  private readonly views: CallViews;
  /** Journal entries waiting for a call in progress to end (WINDOWS.journalWait at most). */
  private readonly pendingJournals: { journal: Journal; since: number }[] = [];

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
    this.contacts = contacts;
  }

  contactName(number: string | null): string | null {
    if (!number) return null;
    return this.contacts.find((c) => c.numbers.some((n) => sameNumber(n, number)))?.name ?? null;
  }

  private stored(
    call: CallRecord,
    extra: {
      main_call_history_id?: string | null;
      source?: CallSource;
      caller_source?: CallerSource | null;
    } = {},
  ) {
    const { timeZone } = this.options;
    return {
      ...call,
      main_call_history_id: extra.main_call_history_id ?? null,
      source: extra.source ?? 'poll',
      caller_source:
        extra.caller_source !== undefined ? extra.caller_source : call.caller_number ? 'pbx' : null,
      start_day: localDay(Date.parse(call.started_at), timeZone),
      end_day: call.ended_at ? localDay(Date.parse(call.ended_at), timeZone) : null,
    } satisfies StoredCall;
  }

  /** A successful ActiveCalls poll. Returns the events to publish. */
  observe(rows: readonly ActiveCall[], directory: Directory): CallEvent[] {
    const { store } = this.options;
    const result = this.tracker.observe(rows, directory);
    for (const call of result.started) {
      if (!store.insertCall(this.stored(call))) store.updateCall(this.stored(call)); // restored after a restart
    }
    for (const call of [...result.changed, ...result.ended]) this.saveKeepingLogFacts(call);
    if (result.ended.some((call) => this.restored.has(call.id))) this.callLogWanted = true;
    store.setMeta('last_poll_at', new Date(this.tracker.serverNow()).toISOString());
    const taken = this.lookup.take(result.events, this.tracker.unresolved(), result.endedPending, this.now());
    if (taken.readNow) this.callLogWanted = true;
    return [...taken.events, ...(this.pendingJournals.length > 0 ? this.retryJournals() : [])];
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
    const from = Number.isNaN(synced)
      ? now - WINDOWS.firstSync
      : Math.max(now - WINDOWS.maxReconcile, synced - WINDOWS.callLogOverlap);
    return { from, to: now };
  }

  private recordingUrl(recordingId: number | null): string | null {
    return recordingId !== null ? `${this.options.publicUrl}/api/recordings/${recordingId}` : null;
  }

  /** Applies call-log legs: real callers for live calls, facts for tracked calls, and calls never seen live. */
  applyCallLog(legs: readonly CallLogLeg[]): CallEvent[] {
    const { store } = this.options;
    const events: CallEvent[] = [];
    const now = this.tracker.serverNow();
    const settle = this.options.settleMs ?? WINDOWS.settle;
    for (const pending of this.tracker.unresolved()) {
      const number = findCallerInLog(pending, legs);
      const updated = number ? this.tracker.resolveCaller(pending.id, number) : undefined;
      if (!updated) continue;
      this.saveKeepingLogFacts(updated, 'calllog');
      events.push(...this.lookup.resolved(updated));
    }
    const active = this.tracker.activePbxIds;
    let latestSettled = 0;
    for (const [mainId, group] of groupLegs(legs)) {
      const logged = loggedCall(mainId, group);
      const recordingUrl = this.recordingUrl(logged.recordingId);
      const existing = this.storedCallFor(logged);
      if (existing) {
        const endedUnseen = this.restored.has(existing.id) && existing.ended_at !== null;
        if (endedUnseen) this.restored.delete(existing.id);
        const merged = withLoggedFacts(existing, logged, {
          endedUnseen,
          recordingUrl,
          callerFromWebhook: existing.caller_source === 'webhook',
          callerName: (number) => this.contactName(number) ?? logged.callerName,
          isVip: this.isVip,
        });
        const callerSource =
          merged.caller_number === existing.caller_number ? existing.caller_source : 'calllog';
        store.updateCall(
          this.stored(merged, {
            main_call_history_id: mainId,
            source: existing.source,
            caller_source: callerSource,
          }),
        );
        continue;
      }
      const lastEnd = Math.max(...group.map(legEnd));
      if (logged.callIds.some((id) => active.has(id)) || lastEnd > now - settle) continue; // still going, or too fresh
      latestSettled = Math.max(latestSettled, lastEnd);
      const call = callFromLog(logged, {
        recordingUrl,
        callerName: this.contactName(logged.callerNumber) ?? logged.callerName,
        isVip: this.isVip(logged.callerNumber),
      });
      if (
        store.insertCall(
          this.stored(call, { main_call_history_id: mainId, source: 'calllog', caller_source: 'calllog' }),
        )
      ) {
        this.options.log.info(
          { call: call.id, outcome: call.outcome },
          'call found in the call log that polling did not see',
        );
        events.push({ event_type: 'ended', call });
        if (isMissed(call)) events.push({ event_type: 'missed', call });
      }
    }
    events.push(...this.resolveEnded(legs));
    store.setMeta('call_log_synced_to', new Date(Math.max(now - settle, latestSettled)).toISOString());
    return events;
  }

  /** Ended trunk calls still without their caller: from the rows matched above, or by trunk and start time. */
  private resolveEnded(legs: readonly CallLogLeg[]): CallEvent[] {
    const { store } = this.options;
    const events: CallEvent[] = [];
    for (const pending of this.lookup.endedPending()) {
      let stored = store.getCall(pending.id);
      if (!stored) continue;
      if (stored.caller_number === null) {
        const number = normaliseNumber(findCallerInLog(pending, legs));
        if (number === null) continue;
        stored = {
          ...stored,
          caller_number: number,
          caller_name: this.contactName(number) ?? stored.caller_name,
          vip: this.isVip(number),
          caller_source: 'calllog',
        };
        store.updateCall(stored);
      }
      events.push(...this.lookup.resolved(plainCall(stored)));
    }
    return events;
  }

  /** The stored call a logged call is: by its main id, by a PBX call Id it was seen under, or by caller and start. */
  private storedCallFor(logged: ReturnType<typeof loggedCall>): StoredCall | undefined {
    const { store } = this.options;
    return (
      store.byMainCallHistoryId(logged.mainCallHistoryId) ??
      logged.callIds.map((id) => store.byPbxCallId(id, logged.startedAt, WINDOWS.pbxIdMatch)).find(Boolean) ??
      store
        .history({
          from: new Date(logged.startedAt - WINDOWS.sameCallStart).toISOString(),
          to: new Date(logged.startedAt + WINDOWS.sameCallStart).toISOString(),
          limit: 20,
        })
        .find((stored) => isSameLoggedCall(stored, logged))
    );
  }

  /**
   * A call reported by 3CX's CRM journaling (domain/reconcile.ts decideJournal): merged into the call the gateway
   * recorded, or stored as one it did not see; while a call that fits is still in progress here, held until it ends.
   * Idempotent: the same report twice is one call.
   */
  mergeJournal(journal: Journal): JournalResult {
    const result = this.applyJournal(journal, false);
    if (result.deferred) this.pendingJournals.push({ journal, since: this.now() });
    return result;
  }

  private applyJournal(journal: Journal, final: boolean): JournalResult {
    const { store } = this.options;
    const candidates = [
      ...this.tracker.active,
      ...store.history({
        from: new Date(journal.startedAt - WINDOWS.journalSearch).toISOString(),
        to: new Date(journal.startedAt + WINDOWS.journalSearch).toISOString(),
        limit: 100,
      }),
    ];
    const decision = decideJournal(journal, candidates, final);
    switch (decision.kind) {
      case 'wait':
        return { created: false, id: null, deferred: true, events: [] };
      case 'ambiguous':
        this.options.log.info('a journal entry fits several calls: nothing changed');
        return { created: false, id: null, events: [] };
      case 'same':
        return { created: false, id: decision.call.id, events: [] };
      case 'fill': {
        const stored = store.getCall(decision.call.id);
        if (stored) store.updateCall({ ...withJournalCaller(stored, journal), caller_source: 'webhook' });
        return { created: false, id: decision.call.id, events: [] };
      }
    }
    const id = `hook-${createHash('sha1').update(journalKey(journal)).digest('hex').slice(0, 16)}`;
    const call = callFromJournal(journal, id, {
      callerName: this.contactName(journal.number),
      isVip: this.isVip(journal.number),
    });
    const created = store.insertCall(this.stored(call, { source: 'webhook', caller_source: 'webhook' }));
    const events: CallEvent[] = created
      ? [{ event_type: 'ended', call }, ...(isMissed(call) ? [{ event_type: 'missed' as const, call }] : [])]
      : [];
    return { created, id: call.id, events };
  }

  /** Journal entries that waited for a call to end: decided once it did, or finally after journalWait. */
  private retryJournals(): CallEvent[] {
    const events: CallEvent[] = [];
    const now = this.now();
    for (const pending of this.pendingJournals.splice(0)) {
      const result = this.applyJournal(pending.journal, now - pending.since >= WINDOWS.journalWait);
      if (result.deferred) this.pendingJournals.push(pending);
      events.push(...result.events);
    }
    return events;
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
