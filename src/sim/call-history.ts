// The simulator's own record of every call that ended (GET /sim/calls/history): the ground truth a soak test
// compares a gateway's database with. Direction and outcome follow the gateway's rules (CONTRACT §3).
import { DN_TYPE, type SimCall } from './call-types.ts';
import type { SimClock } from './clock.ts';

export type HistoryDirection = 'inbound' | 'outbound' | 'internal' | 'external';
export type HistoryOutcome = 'answered' | 'missed' | 'voicemail' | 'unanswered';

export interface CallHistoryEntry {
  /** The ActiveCalls Ids the call was shown under (one: the simulator keeps a call's Id for its whole life). */
  pbx_call_ids: number[];
  main_call_history_id: string;
  direction: HistoryDirection;
  /** The real caller: E.164 for outside callers (not the DID), the extension number otherwise. */
  caller_number: string;
  /** What was dialled: the first destination's DN (a ring group or queue keeps its own), or the number dialled out. */
  called_number: string;
  /** The extension last connected to the call (the caller's, for an answered outbound call). */
  agent: string | null;
  outcome: HistoryOutcome;
  started_at: string;
  answered_at: string | null;
  ended_at: string;
  /** Talk seconds from the first answer to the end; 0 when nobody answered. */
  duration: number;
}

/** Entries kept; the oldest go first. */
const HISTORY_LIMIT = 100_000;

/** As the call's last state shows it: an inbound call forwarded outside is external. */
function directionOf(call: SimCall): HistoryDirection {
  const callerOutside = call.direction === 'inbound';
  const callee = call.callee;
  if (callee === 'ROUTER') return call.direction;
  const calleeOutside = callee.type === DN_TYPE.external;
  if (callerOutside) return calleeOutside ? 'external' : 'inbound';
  return calleeOutside ? 'outbound' : 'internal';
}

/** A person answered: answered; else outbound and external calls are unanswered, the rest voicemail or missed. */
function outcomeOf(direction: HistoryDirection, answered: boolean, voicemail: boolean): HistoryOutcome {
  if (answered) return 'answered';
  if (direction === 'outbound' || direction === 'external') return 'unanswered';
  return voicemail ? 'voicemail' : 'missed';
}

export class CallHistory {
  private readonly entries: CallHistoryEntry[] = [];
  /** The extension last connected, per active call. */
  private readonly agents = new Map<number, string>();

  constructor(private readonly clock: SimClock) {}

  /** A call observer (CallEngine.observers): notes who is connected, and records the call when it ends. */
  readonly observe = (call: SimCall, ended: boolean): void => {
    const person =
      call.direction === 'outbound' && call.callee !== 'ROUTER' && call.callee.type === DN_TYPE.external
        ? call.caller.dn
        : call.answeredBy;
    if (person && call.segment?.answeredAt !== undefined && call.status !== 'Transferring')
      this.agents.set(call.id, person);
    if (!ended) return;
    const now = this.clock.now();
    const direction = directionOf(call);
    const answeredAt = call.firstAnsweredAt;
    this.entries.push({
      pbx_call_ids: [call.id],
      main_call_history_id: call.historyId,
      direction,
      caller_number: call.caller.callerId.replace(/^Ext\./, ''),
      called_number: call.calledNumber,
      agent: answeredAt === undefined ? null : (this.agents.get(call.id) ?? null),
      outcome: outcomeOf(direction, answeredAt !== undefined, call.reachedVoicemail === true),
      started_at: new Date(call.establishedAt).toISOString(),
      answered_at: answeredAt === undefined ? null : new Date(answeredAt).toISOString(),
      ended_at: new Date(now).toISOString(),
      duration: answeredAt === undefined ? 0 : Math.round((now - answeredAt) / 1000),
    });
    this.agents.delete(call.id);
    if (this.entries.length > HISTORY_LIMIT) this.entries.splice(0, this.entries.length - HISTORY_LIMIT);
  };

  /** Calls that ended at or after `since` (ms), oldest first. */
  since(since: number): CallHistoryEntry[] {
    return this.entries.filter((e) => Date.parse(e.ended_at) >= since);
  }
}
