// Calls: feeds the tracker from successful polls, stores every call once, reconciles with the call log (missed
// polls, downtime, real caller IDs) and CRM journal entries by the rules of domain/reconcile.ts, and builds the call
// fields and lists that get published.
import { createHash } from 'node:crypto';
import type { CallEvent, CallFields, CallRecord } from '../domain/call.ts';
import { callStateOf, isMissed } from '../domain/call.ts';
import { findCallerInLog, groupLegs, legEnd, loggedCall, type CallLogLeg } from '../domain/call-log.ts';
import { CALLER_LOOKUP, CallerLookup } from '../domain/caller-lookup.ts';
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
  journalKey,
  journalMatch,
  WINDOWS,
  withJournalCaller,
  withLoggedFacts,
} from '../domain/reconcile.ts';
import type { ActiveCall } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import { plainCall, type CallSource, type CallStore, type StoredCall } from '../store/database.ts';

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

export type CallLists = Record<'active' | 'recent' | 'missed', CallRecord[]>;

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

  constructor(private readonly options: CallServiceOptions) {
    this.now = options.now ?? Date.now;
    this.isVip = vipMatcher(options.vip);
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
    extra: { main_call_history_id?: string | null; source?: CallSource } = {},
  ) {
    const { timeZone } = this.options;
    return {
      ...call,
      main_call_history_id: extra.main_call_history_id ?? null,
      source: extra.source ?? 'poll',
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

  /** Updates a tracked call without losing what the call log already told (main id, recording, real caller). */
  private saveKeepingLogFacts(call: CallRecord): void {
    const { store } = this.options;
    const existing = store.getCall(call.id);
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
      this.saveKeepingLogFacts(updated);
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
        const callerNumber = existing.caller_number ?? logged.callerNumber;
        const merged = withLoggedFacts(existing, logged, {
          endedUnseen,
          recordingUrl,
          callerName: this.contactName(callerNumber) ?? logged.callerName,
          isVip: this.isVip(callerNumber),
        });
        store.updateCall(this.stored(merged, { main_call_history_id: mainId, source: existing.source }));
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
      if (store.insertCall(this.stored(call, { main_call_history_id: mainId, source: 'calllog' }))) {
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
   * A call reported by 3CX's CRM journaling: merged into the call the poller recorded (same time, number and agent)
   * or stored as a call the gateway did not see. Idempotent: the same report twice is one call.
   */
  mergeJournal(journal: Journal): { created: boolean; id: string; events: CallEvent[] } {
    const { store } = this.options;
    const candidates = [
      ...this.tracker.active,
      ...store.history({
        from: new Date(journal.startedAt - WINDOWS.journalSearch).toISOString(),
        to: new Date(journal.startedAt + WINDOWS.journalSearch).toISOString(),
        limit: 100,
      }),
    ];
    const match = journalMatch(journal, candidates);
    if (match) {
      const stored = store.getCall(match.id);
      if (stored) store.updateCall(withJournalCaller(stored, journal));
      return { created: false, id: match.id, events: [] };
    }
    const id = `hook-${createHash('sha1').update(journalKey(journal)).digest('hex').slice(0, 16)}`;
    const call = callFromJournal(journal, id, {
      callerName: this.contactName(journal.number),
      isVip: this.isVip(journal.number),
    });
    const created = store.insertCall(this.stored(call, { source: 'webhook' }));
    const events: CallEvent[] = created
      ? [{ event_type: 'ended', call }, ...(isMissed(call) ? [{ event_type: 'missed' as const, call }] : [])]
      : [];
    return { created, id: call.id, events };
  }

  /** The call fields of `<b>/pbx` (CONTRACT "Derived values"), dependencies first. */
  pbxFields(): CallFields {
    const { store, timeZone } = this.options;
    const active = this.tracker.active;
    // The store, not memory: the call log may have added the real caller or a recording since the call ended.
    const lastEnded = store.recentCalls(1)[0] ?? null;
    const latest = active[active.length - 1] ?? lastEnded;
    const today = localDay(this.now(), timeZone);
    const counts = store.countsForDay(today);
    // A miss whose caller is still looked up counts (with its caller) once the lookup ends, at most holdMs later.
    const held = this.lookup.heldEnded();
    const heldMissed = [...held]
      .map((id) => store.getCall(id))
      .filter((c) => c && isMissed(c) && c.end_day === today);
    const lastMissed = this.recentWithout(held, 1, true)[0];
    return {
      call_state: callStateOf(active),
      caller_number: latest?.caller_number ?? null,
      caller_name: latest?.caller_name ?? null,
      called_number: latest?.called_number ?? null,
      call_direction: latest?.direction ?? null,
      call_agent: latest?.agent ?? null,
      call_timestamp: latest?.started_at ?? null,
      call_duration: lastEnded?.duration ?? null,
      recording_url: lastEnded?.recording_url ?? null,
      active_calls: active.length,
      last_missed_caller: lastMissed ? (lastMissed.caller_number ?? lastMissed.caller_name) : null,
      last_missed_time: lastMissed?.ended_at ?? null,
      missed_count: counts.missed - heldMissed.length,
      total_calls: counts.total,
      calls_lifetime: store.lifetimeCalls,
    };
  }

  /** `calls/active`, `calls/recent`, `calls/missed`: call objects, without the store's own columns. */
  lists(): CallLists {
    const { recentLimit, missedLimit } = this.options;
    const held = this.lookup.heldEnded();
    return {
      active: this.tracker.active,
      recent: this.recentWithout(held, recentLimit, false).map(plainCall),
      missed: this.recentWithout(held, missedLimit, true).map(plainCall),
    };
  }

  private recentWithout(held: ReadonlySet<string>, limit: number, missedOnly: boolean): StoredCall[] {
    const rows = this.options.store.recentCalls(limit + held.size, missedOnly);
    return rows.filter((c) => !held.has(c.id)).slice(0, limit);
  }

  purge(retentionDays: number): number {
    return this.options.store.purgeEndedBefore(
      new Date(this.now() - retentionDays * 86400_000).toISOString(),
    );
  }
}
