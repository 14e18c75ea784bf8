// Logged calls (call-log legs grouped by MainCallHistoryId) into the store: facts for the calls the gateway tracked,
// and the calls it never saw live (too short for a poll, or while it was down), each stored exactly once.
import { isMissed, type CallEvent, type CallRecord } from '../domain/call.ts';
import {
  findCallerInLog,
  groupLegs,
  legEnd,
  loggedCall,
  type CallLogLeg,
  type LoggedCall,
} from '../domain/call-log.ts';
import type { PendingCaller } from '../domain/call-tracker.ts';
import { normaliseNumber } from '../domain/phone-number.ts';
import { callFromLog, isSameLoggedCall, WINDOWS, withLoggedFacts } from '../domain/reconcile.ts';
import type { Logger } from '../log.ts';
import type { CallStore } from '../store/database.ts';
import { plainCall, storedCall, type StoredCall } from '../store/stored-call.ts';

/** What naming a caller needs: the store, the phonebook and the VIP list. */
export interface CallerContext {
  store: CallStore;
  contactName: (number: string | null) => string | null;
  isVip: (number: string | null) => boolean;
}

export interface LoggedCallsContext extends CallerContext {
  timeZone: string;
  publicUrl: string;
  log: Logger;
  /** The PBX's clock now. */
  serverNow: number;
  /** A logged call must have ended this long ago to count as one the gateway did not see live. */
  settleMs: number;
  /** PBX call Ids of calls in progress (their rows are not calls the gateway missed). */
  activePbxIds: ReadonlySet<number>;
  /** Whether a stored call ended while the gateway was down (then the log's times win). */
  endedUnseen: (call: StoredCall) => boolean;
}

/** Returns the events of calls found only in the log, and the end of the newest settled one. */
export function applyLoggedCalls(
  legs: readonly CallLogLeg[],
  ctx: LoggedCallsContext,
): { events: CallEvent[]; latestSettled: number } {
  const { store } = ctx;
  const events: CallEvent[] = [];
  let latestSettled = 0;
  for (const [mainId, group] of groupLegs(legs)) {
    const logged = loggedCall(mainId, group);
    const recordingUrl =
      logged.recordingId !== null ? `${ctx.publicUrl}/api/recordings/${logged.recordingId}` : null;
    const existing = storedCallFor(store, logged);
    if (existing) {
      const merged = withLoggedFacts(existing, logged, {
        endedUnseen: ctx.endedUnseen(existing),
        recordingUrl,
        callerFromWebhook: existing.caller_source === 'webhook',
        callerName: (number) => ctx.contactName(number) ?? logged.callerName,
        isVip: ctx.isVip,
      });
      const callerSource =
        merged.caller_number === existing.caller_number ? existing.caller_source : 'calllog';
      store.updateCall(
        storedCall(merged, ctx.timeZone, {
          main_call_history_id: mainId,
          source: existing.source,
          caller_source: callerSource,
        }),
      );
      continue;
    }
    const lastEnd = Math.max(...group.map(legEnd));
    // Still going, or too fresh to be sure polling did not see it.
    if (logged.callIds.some((id) => ctx.activePbxIds.has(id)) || lastEnd > ctx.serverNow - ctx.settleMs)
      continue;
    latestSettled = Math.max(latestSettled, lastEnd);
    const call: CallRecord = callFromLog(logged, {
      recordingUrl,
      callerName: ctx.contactName(logged.callerNumber) ?? logged.callerName,
      isVip: ctx.isVip(logged.callerNumber),
    });
    const row = storedCall(call, ctx.timeZone, {
      main_call_history_id: mainId,
      source: 'calllog',
      caller_source: 'calllog',
    });
    if (!store.insertCall(row)) continue;
    ctx.log.info(
      { call: call.id, outcome: call.outcome },
      'call found in the call log that polling did not see',
    );
    events.push({ event_type: 'ended', call });
    if (isMissed(call)) events.push({ event_type: 'missed', call });
  }
  return { events, latestSettled };
}

/** The stored call a logged call is: by its main id, by a PBX call Id it was seen under, or by caller and start. */
function storedCallFor(store: CallStore, logged: LoggedCall): StoredCall | undefined {
  return (
    store.byMainCallHistoryId(logged.mainCallHistoryId) ??
    logged.callIds.map((id) => store.byPbxCallId(id, ...pbxIdWindow(logged))).find(Boolean) ??
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
 * When a stored call seen under the logged call's Id must have run: while the logged call did, give or take
 * WINDOWS.pbxIdMatch. Its start is no bound: the first logged leg can start long after EstablishedAt (a call that
 * routed while the PBX clock stepped forward), so it is bounded only by how far back the log is read. Ids are
 * reused only after a PBX restart, so a call seen under the Id that ran at the same time is this one.
 */
function pbxIdWindow(logged: LoggedCall): [number, number, number] {
  return [
    logged.startedAt - WINDOWS.pbxIdMatch,
    logged.endedAt + WINDOWS.pbxIdMatch,
    logged.startedAt - WINDOWS.maxReconcile,
  ];
}

/**
 * Ended trunk calls still without their caller: the caller from the legs (matched by MainCallHistoryId, or by trunk
 * and start time) is stored. Returns the calls whose caller is now known, as stored.
 */
export function callersOfEnded(
  legs: readonly CallLogLeg[],
  pending: readonly PendingCaller[],
  ctx: CallerContext,
): CallRecord[] {
  const { store } = ctx;
  const found: CallRecord[] = [];
  for (const call of pending) {
    let stored = store.getCall(call.id);
    if (!stored) continue;
    if (stored.caller_number === null) {
      const number = normaliseNumber(findCallerInLog(call, legs, legOfAnotherCall(store, call.id)));
      if (number === null) continue;
      stored = {
        ...stored,
        caller_number: number,
        caller_name: ctx.contactName(number) ?? stored.caller_name,
        vip: ctx.isVip(number),
        caller_source: 'calllog',
      };
      store.updateCall(stored);
    }
    found.push(plainCall(stored));
  }
  return found;
}

/** Whether a call-log leg is, by its MainCallHistoryId, a stored call other than `callId`. */
export function legOfAnotherCall(store: CallStore, callId: string): (leg: CallLogLeg) => boolean {
  return (leg) => {
    const logged = leg.mainCallHistoryId ? store.byMainCallHistoryId(leg.mainCallHistoryId) : undefined;
    return logged !== undefined && logged.id !== callId;
  };
}
