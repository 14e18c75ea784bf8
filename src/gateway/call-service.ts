// Calls: feeds the tracker from successful polls, stores every call once, reconciles with the call log (missed
// polls, downtime, real caller IDs), and builds the call fields, lists and events that get published.
import { createHash } from 'node:crypto';
import type { CallEvent, CallRecord } from '../domain/call.ts';
import { isMissed } from '../domain/call.ts';
import { findCallerInLog, groupLegs, legEnd, loggedCall, type CallLogLeg } from '../domain/call-log.ts';
import { CallTracker } from '../domain/call-tracker.ts';
import type { Directory } from '../domain/directory.ts';
import type { EntityPayload, JsonValue } from '../domain/entity-states.ts';
import { localDay } from '../domain/local-day.ts';
import { sameNumber, vipMatcher } from '../domain/phone-number.ts';
import type { ActiveCall } from '../domain/types.ts';
import type { Journal } from '../domain/journal.ts';
import type { Logger } from '../log.ts';
import type { CallStore, StoredCall } from '../store/database.ts';

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

export interface Contact {
  name: string;
  numbers: string[];
}

const MAX_RECONCILE_MS = 24 * 3600_000;

export class CallService {
  readonly tracker: CallTracker;
  private contacts: Contact[] = [];
  private readonly isVip: (number: string | null) => boolean;
  private readonly now: () => number;
  /** Calls in progress when the gateway last stopped: their end happened unseen, so the call log's times win. */
  private readonly restored = new Set<string>();
  /** Set when such a call ends: the gateway reads the call log at once instead of at the next interval. */
  reconcileSoon = false;

  constructor(private readonly options: CallServiceOptions) {
    this.now = options.now ?? Date.now;
    this.isVip = vipMatcher(options.vip);
    this.tracker = new CallTracker({
      now: this.now,
      isVip: this.isVip,
      contactName: (n) => this.contactName(n),
    });
    const open = options.store.openCalls();
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

  private stored(call: CallRecord, extra: Partial<StoredCall> = {}): StoredCall {
    const { timeZone } = this.options;
    return {
      ...call,
      main_call_history_id: null,
      source: 'poll',
      start_day: localDay(Date.parse(call.started_at), timeZone),
      end_day: call.ended_at ? localDay(Date.parse(call.ended_at), timeZone) : null,
      ...extra,
    };
  }

  /** A successful ActiveCalls poll. Returns the events to publish. */
  observe(rows: readonly ActiveCall[], directory: Directory): CallEvent[] {
    const { store } = this.options;
    const result = this.tracker.observe(rows, directory);
    for (const call of result.started) {
      if (!store.insertCall(this.stored(call))) store.updateCall(this.stored(call)); // restored after a restart
    }
    for (const call of [...result.changed, ...result.ended]) this.saveKeepingLogFacts(call);
    if (result.ended.some((call) => this.restored.has(call.id))) this.reconcileSoon = true;
    store.setMeta('last_poll_at', new Date(this.tracker.serverNow()).toISOString());
    return result.events;
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
      ? now - 10 * 60_000
      : Math.max(now - MAX_RECONCILE_MS, synced - 5 * 60_000);
    return { from, to: now };
  }

  /** Applies call-log legs: real callers for live calls, facts for tracked calls, and calls never seen live. */
  applyCallLog(legs: readonly CallLogLeg[]): CallEvent[] {
    const { store } = this.options;
    const events: CallEvent[] = [];
    const now = this.tracker.serverNow();
    const settle = this.options.settleMs ?? 15_000;
    for (const pending of this.tracker.unresolved()) {
      const number = findCallerInLog(pending, legs);
      const updated = number ? this.tracker.resolveCaller(pending.id, number) : undefined;
      if (updated) this.saveKeepingLogFacts(updated);
    }
    const active = this.tracker.activePbxIds;
    let latestSettled = 0;
    for (const [mainId, group] of groupLegs(legs)) {
      const logged = loggedCall(mainId, group);
      const recordingUrl =
        logged.recordingId !== null ? `${this.options.publicUrl}/api/recordings/${logged.recordingId}` : null;
      const existing =
        store.byMainCallHistoryId(mainId) ??
        logged.callIds.map((id) => store.byPbxCallId(id, logged.startedAt, 120_000)).find(Boolean) ??
        this.sameCallInStore(logged);
      if (existing) {
        const callerNumber = existing.caller_number ?? logged.callerNumber;
        const endedUnseen = this.restored.has(existing.id) && existing.ended_at !== null;
        if (endedUnseen) this.restored.delete(existing.id);
        store.updateCall({
          ...existing,
          ...(endedUnseen
            ? {
                outcome: logged.outcome,
                agent: logged.agent ?? existing.agent,
                answered_at:
                  logged.answeredAt !== null
                    ? new Date(logged.answeredAt).toISOString()
                    : existing.answered_at,
                ended_at: new Date(logged.endedAt).toISOString(),
                end_day: localDay(logged.endedAt, this.options.timeZone),
                duration: logged.duration,
              }
            : {}),
          main_call_history_id: mainId,
          caller_number: callerNumber,
          caller_name: existing.caller_name ?? this.contactName(callerNumber) ?? logged.callerName,
          vip: existing.vip || this.isVip(callerNumber),
          recording_url: existing.recording_url ?? recordingUrl,
        });
        continue;
      }
      const lastEnd = Math.max(...group.map(legEnd));
      if (logged.callIds.some((id) => active.has(id)) || lastEnd > now - settle) continue; // still going, or too fresh
      latestSettled = Math.max(latestSettled, lastEnd);
      const call: CallRecord = {
        id: `log-${mainId}`,
        pbx_call_ids: logged.callIds,
        direction: logged.direction,
        caller_number: logged.callerNumber,
        caller_name: this.contactName(logged.callerNumber) ?? logged.callerName,
        called_number: logged.calledNumber,
        called_name: logged.calledName,
        agent: logged.agent,
        status: 'ended',
        outcome: logged.outcome,
        started_at: new Date(logged.startedAt).toISOString(),
        answered_at: logged.answeredAt !== null ? new Date(logged.answeredAt).toISOString() : null,
        ended_at: new Date(logged.endedAt).toISOString(),
        duration: logged.duration,
        vip: this.isVip(logged.callerNumber),
        recording_url: recordingUrl,
      };
      if (store.insertCall(this.stored(call, { main_call_history_id: mainId, source: 'calllog' }))) {
        this.options.log.info(
          { call: call.id, outcome: call.outcome },
          'call found in the call log that polling did not see',
        );
        events.push({ event_type: 'ended', call });
        if (isMissed(call)) events.push({ event_type: 'missed', call });
      }
    }
    store.setMeta('call_log_synced_to', new Date(Math.max(now - settle, latestSettled)).toISOString());
    return events;
  }

  /**
   * A call reported by 3CX's CRM journaling: merged into the call the poller recorded (same time, number and agent)
   * or stored as a call the gateway did not see. Idempotent: the same report twice is one call.
   */
  mergeJournal(journal: Journal): { created: boolean; id: string; events: CallEvent[] } {
    const { store } = this.options;
    const inbound = journal.callType === 'Inbound' || journal.callType === 'Missed';
    const candidates = [
      ...this.tracker.active,
      ...store.history({
        from: new Date(journal.startedAt - 120_000).toISOString(),
        to: new Date(journal.startedAt + 120_000).toISOString(),
        limit: 100,
      }),
    ];
    const match = candidates.find(
      (c) =>
        c.direction === (inbound ? 'inbound' : 'outbound') &&
        Math.abs(Date.parse(c.started_at) - journal.startedAt) <= 90_000 &&
        (journal.agent === null || c.agent === null || c.agent === journal.agent) &&
        (sameNumber(inbound ? c.caller_number : c.called_number, journal.number) ||
          (inbound && c.caller_number === null)),
    );
    if (match) {
      const stored = store.getCall(match.id);
      if (stored) {
        store.updateCall({
          ...stored,
          caller_number: stored.caller_number ?? (inbound ? journal.number : stored.caller_number),
          caller_name: stored.caller_name ?? (inbound ? journal.name : stored.caller_name),
        });
      }
      return { created: false, id: match.id, events: [] };
    }
    const outcome = {
      Inbound: 'answered',
      Missed: 'missed',
      Outbound: 'answered',
      Notanswered: 'unanswered',
    }[journal.callType] as CallRecord['outcome'];
    const key = `${journal.callType}|${journal.number}|${Math.floor(journal.startedAt / 1000)}|${journal.agent ?? ''}`;
    const call: CallRecord = {
      id: `hook-${createHash('sha1').update(key).digest('hex').slice(0, 16)}`,
      pbx_call_ids: [],
      direction: inbound ? 'inbound' : 'outbound',
      caller_number: inbound ? journal.number : journal.agent,
      caller_name: inbound ? (journal.name ?? this.contactName(journal.number)) : null,
      called_number: inbound ? null : journal.number,
      called_name: inbound ? null : journal.name,
      agent: journal.agent,
      status: 'ended',
      outcome,
      started_at: new Date(journal.startedAt).toISOString(),
      answered_at:
        outcome === 'answered' ? new Date(journal.endedAt - journal.durationS * 1000).toISOString() : null,
      ended_at: new Date(journal.endedAt).toISOString(),
      duration: journal.durationS,
      vip: inbound && this.isVip(journal.number),
      recording_url: null,
    };
    const created = store.insertCall(this.stored(call, { source: 'webhook' }));
    const events: CallEvent[] = created
      ? [{ event_type: 'ended', call }, ...(isMissed(call) ? [{ event_type: 'missed' as const, call }] : [])]
      : [];
    return { created, id: call.id, events };
  }

  /** A call stored from polling whose PBX id the log does not carry: same caller and start within a few seconds. */
  private sameCallInStore(logged: ReturnType<typeof loggedCall>): StoredCall | undefined {
    const around = this.options.store.history({
      from: new Date(logged.startedAt - 10_000).toISOString(),
      to: new Date(logged.startedAt + 10_000).toISOString(),
      limit: 20,
    });
    return around.find(
      (c) =>
        c.main_call_history_id === null &&
        c.direction === logged.direction &&
        (c.caller_number === null ||
          sameNumber(c.caller_number, logged.callerNumber) ||
          c.caller_number === logged.callerNumber),
    );
  }

  /** The call fields of `<b>/pbx` (CONTRACT "Derived values"), dependencies first. */
  pbxFields(): EntityPayload {
    const { store, timeZone } = this.options;
    const active = this.tracker.active;
    // The store, not memory: the call log may have added the real caller or a recording since the call ended.
    const lastEnded = store.recentCalls(1)[0] ?? null;
    const latest = active[active.length - 1] ?? lastEnded;
    const counts = store.countsForDay(localDay(this.now(), timeZone));
    const lastMissed = store.recentCalls(1, true)[0];
    const connected = (c: CallRecord) =>
      c.status === 'talking' || c.status === 'held' || c.status === 'voicemail';
    const callState = active.some(
      (c) => c.direction === 'inbound' && !c.answered_at && c.status !== 'voicemail',
    )
      ? 'ringing'
      : active.some(connected)
        ? 'active'
        : active.some((c) => c.direction === 'outbound')
          ? 'outgoing'
          : 'idle';
    return {
      call_state: callState,
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
      missed_count: counts.missed,
      total_calls: counts.total,
      calls_lifetime: store.lifetimeCalls,
    };
  }

  /** `calls/active`, `calls/recent`, `calls/missed` as JSON arrays. */
  listPayloads(): { active: JsonValue; recent: JsonValue; missed: JsonValue } {
    const { store, recentLimit, missedLimit } = this.options;
    const plain = (c: CallRecord | StoredCall): JsonValue => {
      const { main_call_history_id: _m, source: _s, start_day: _d, end_day: _e, ...call } = c as StoredCall;
      return call;
    };
    return {
      active: this.tracker.active.map(plain),
      recent: store.recentCalls(recentLimit).map(plain),
      missed: store.recentCalls(missedLimit, true).map(plain),
    };
  }

  purge(retentionDays: number): number {
    return this.options.store.purgeEndedBefore(
      new Date(this.now() - retentionDays * 86400_000).toISOString(),
    );
  }
}
