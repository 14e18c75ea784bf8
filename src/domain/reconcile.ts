// Reconciliation rules (pure): how call-log rows and CRM journal entries are matched to the calls the gateway tracked,
// and what each source may change. The call service does the reading and writing; the decisions are here.
import { newCallRecord, type CallOutcome, type CallRecord } from './call.ts';
import type { LoggedCall } from './call-log.ts';
import type { Journal } from './journal.ts';
import { sameNumber } from './phone-number.ts';

/** The time windows of the matching rules, named (all in ms). */
export const WINDOWS = {
  /** A stored call seen under the logged call's PBX Id must have run this close to it. */
  pbxIdMatch: 120_000,
  /** A logged call without a usable PBX Id matches a stored call of the same caller starting this close. */
  sameCallStart: 10_000,
  /** Journal entries are searched among calls started this close... */
  journalSearch: 120_000,
  /** ...and match one whose start is this close. */
  journalStart: 90_000,
  /** The call log is read back at most this far. */
  maxReconcile: 24 * 3600_000,
  /** Each read overlaps the previous one by this much (rows the PBX writes late). */
  callLogOverlap: 5 * 60_000,
  /** The first read after a start without a sync mark covers this much. */
  firstSync: 10 * 60_000,
  /** A logged call must have ended this long ago before it counts as one the gateway did not see live. */
  settle: 15_000,
} as const;

/** A call stored from polling whose PBX id the log does not carry: same direction, same caller, close start. */
export function isSameLoggedCall(
  stored: Pick<CallRecord, 'direction' | 'caller_number' | 'started_at'> & {
    main_call_history_id: string | null;
  },
  logged: Pick<LoggedCall, 'direction' | 'callerNumber' | 'startedAt'>,
): boolean {
  return (
    stored.main_call_history_id === null &&
    stored.direction === logged.direction &&
    Math.abs(Date.parse(stored.started_at) - logged.startedAt) <= WINDOWS.sameCallStart &&
    (stored.caller_number === null ||
      sameNumber(stored.caller_number, logged.callerNumber) ||
      stored.caller_number === logged.callerNumber)
  );
}

/**
 * What the call log tells about a call the gateway stored: its own facts, the log's for what it could not see. The
 * log's caller wins over one the CRM webhook filled in, never the other way round.
 */
export function withLoggedFacts<C extends CallRecord>(
  existing: C,
  logged: LoggedCall,
  options: {
    endedUnseen: boolean;
    recordingUrl: string | null;
    callerFromWebhook: boolean;
    callerName: (number: string | null) => string | null;
    isVip: (number: string | null) => boolean;
  },
): C {
  const logWins = options.callerFromWebhook && logged.callerNumber !== null;
  // Polls can miss an answer (answered and hung up between two): the log's "answered" is the PBX's record.
  const answeredUnseen =
    existing.ended_at !== null && logged.outcome === 'answered' && existing.outcome !== 'answered';
  const callerNumber = logWins ? logged.callerNumber : (existing.caller_number ?? logged.callerNumber);
  return {
    ...existing,
    ...(options.endedUnseen || answeredUnseen
      ? {
          outcome: logged.outcome,
          agent: logged.agent ?? existing.agent,
          answered_at:
            logged.answeredAt !== null ? new Date(logged.answeredAt).toISOString() : existing.answered_at,
          ended_at: new Date(logged.endedAt).toISOString(),
          duration: logged.duration,
        }
      : {}),
    caller_number: callerNumber,
    caller_name: logWins
      ? options.callerName(callerNumber)
      : (existing.caller_name ?? options.callerName(callerNumber)),
    vip: (existing.vip && !logWins) || options.isVip(callerNumber),
    recording_url: existing.recording_url ?? options.recordingUrl,
  };
}

/** A call only the call log saw (the gateway was down, or it was too short for a poll). */
export function callFromLog(
  logged: LoggedCall,
  options: { recordingUrl: string | null; callerName: string | null; isVip: boolean },
): CallRecord {
  return newCallRecord({
    id: `log-${logged.mainCallHistoryId}`,
    pbx_call_ids: logged.callIds,
    direction: logged.direction,
    caller_number: logged.callerNumber,
    caller_name: options.callerName,
    called_number: logged.calledNumber,
    called_name: logged.calledName,
    agent: logged.agent,
    status: 'ended',
    outcome: logged.outcome,
    started_at: new Date(logged.startedAt).toISOString(),
    answered_at: logged.answeredAt !== null ? new Date(logged.answeredAt).toISOString() : null,
    ended_at: new Date(logged.endedAt).toISOString(),
    duration: logged.duration,
    vip: options.isVip,
    recording_url: options.recordingUrl,
  });
}

const isInbound = (journal: Journal) => journal.callType === 'Inbound' || journal.callType === 'Missed';

const JOURNAL_OUTCOMES: Record<Journal['callType'], CallOutcome> = {
  Inbound: 'answered',
  Missed: 'missed',
  Outbound: 'answered',
  Notanswered: 'unanswered',
};

/** What to do with a journal entry (3CX's CRM journaling, posted after the call). */
export type JournalDecision<C> =
  /** A call with the journal's number: nothing to add. */
  | { kind: 'same'; call: C }
  /** The only ended call that fits, its caller unknown: the journal may fill it in. */
  | { kind: 'fill'; call: C }
  /**
   * Several calls fit, or one still in progress here (the gateway sees an end a poll or two late): change nothing,
   * so no caller is ever cross-assigned and no call counted twice.
   */
  | { kind: 'ambiguous' }
  /** Nothing fits: a call the gateway did not see. */
  | { kind: 'new' };

/**
 * The call a journal entry reports. A caller is filled in only where exactly one ended call fits on direction,
 * agent, time and outcome; a call still ringing is never one (journaling comes after the call), and while one with
 * an unknown caller fits, nothing is decided for the unknown ones.
 */
export function decideJournal<C extends CallRecord>(
  journal: Journal,
  candidates: readonly C[],
): JournalDecision<C> {
  const inbound = isInbound(journal);
  const fits = candidates.filter(
    (c) =>
      c.direction === (inbound ? 'inbound' : 'outbound') &&
      Math.abs(Date.parse(c.started_at) - journal.startedAt) <= WINDOWS.journalStart &&
      (journal.agent === null || c.agent === null || c.agent === journal.agent),
  );
  const numberOf = (c: C) => (inbound ? c.caller_number : c.called_number);
  const same = fits
    .filter((c) => sameNumber(numberOf(c), journal.number))
    .sort((a, b) => distance(a, journal) - distance(b, journal))[0];
  if (same) return { kind: 'same', call: same };
  const unknown = fits.filter((c) => numberOf(c) === null);
  const running = unknown.filter((c) => c.ended_at === null);
  const ended = unknown.filter((c) => c.ended_at !== null && outcomeFits(c.outcome, journal));
  if (running.length > 0 || ended.length > 1) return { kind: 'ambiguous' };
  if (ended.length === 1) return { kind: 'fill', call: ended[0]! };
  return { kind: 'new' };
}

const distance = (c: CallRecord, journal: Journal) => Math.abs(Date.parse(c.started_at) - journal.startedAt);

function outcomeFits(outcome: CallOutcome | null, journal: Journal): boolean {
  const expected = JOURNAL_OUTCOMES[journal.callType];
  return expected === 'missed' ? outcome === 'missed' || outcome === 'voicemail' : outcome === expected;
}

/** A matched call with what the journal adds: the number it reports, where the gateway did not know it. */
export function withJournalCaller<C extends CallRecord>(stored: C, journal: Journal): C {
  if (!isInbound(journal)) return { ...stored, called_number: stored.called_number ?? journal.number };
  return {
    ...stored,
    caller_number: stored.caller_number ?? journal.number,
    caller_name: stored.caller_name ?? journal.name,
  };
}

/** A call only the journal reported, with an id stable across repeats of the same report (idempotent). */
export function callFromJournal(
  journal: Journal,
  id: string,
  options: { callerName: string | null; isVip: boolean },
): CallRecord {
  const inbound = isInbound(journal);
  const outcome = JOURNAL_OUTCOMES[journal.callType];
  return newCallRecord({
    id,
    direction: inbound ? 'inbound' : 'outbound',
    caller_number: inbound ? journal.number : journal.agent,
    caller_name: inbound ? (journal.name ?? options.callerName) : null,
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
    vip: inbound && options.isVip,
  });
}

/** The key that makes a repeated journal report the same call. */
export function journalKey(journal: Journal): string {
  return `${journal.callType}|${journal.number}|${Math.floor(journal.startedAt / 1000)}|${journal.agent ?? ''}`;
}
