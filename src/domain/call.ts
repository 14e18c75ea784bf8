// The logical call as users see it (CONTRACT §3 "call object").

export type CallDirection = 'inbound' | 'outbound' | 'internal' | 'external';
export type CallStatus = 'routing' | 'ringing' | 'talking' | 'held' | 'voicemail' | 'ended';
export type CallOutcome = 'answered' | 'missed' | 'voicemail' | 'unanswered';
/** `updated`: a caller found after the call's end event went out (CONTRACT §3). */
export const CALL_EVENT_TYPES = ['ringing', 'answered', 'ended', 'missed', 'voicemail', 'updated'] as const;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];

export interface CallRecord {
  id: string;
  pbx_call_ids: number[];
  direction: CallDirection;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string | null;
  called_name: string | null;
  agent: string | null;
  status: CallStatus;
  outcome: CallOutcome | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration: number | null;
  vip: boolean;
  recording_url: string | null;
}

/** A call record with every field not given at its empty value (one place writes the 16 fields). */
export function newCallRecord(
  fields: Pick<CallRecord, 'id' | 'direction' | 'started_at'> & Partial<CallRecord>,
): CallRecord {
  const { id, direction, started_at, ...given } = fields;
  return {
    id,
    pbx_call_ids: [],
    direction,
    caller_number: null,
    caller_name: null,
    called_number: null,
    called_name: null,
    agent: null,
    status: 'routing',
    outcome: null,
    started_at,
    answered_at: null,
    ended_at: null,
    duration: null,
    vip: false,
    recording_url: null,
    ...given,
  };
}

export type CallState = 'idle' | 'ringing' | 'active' | 'outgoing';

/** The call fields of `<b>/pbx` (CONTRACT §3 "Derived values"), in publishing order: dependencies first. */
export type CallFields = {
  call_state: CallState;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string | null;
  call_direction: CallDirection | null;
  call_agent: string | null;
  call_timestamp: string | null;
  call_duration: number | null;
  recording_url: string | null;
  active_calls: number;
  last_missed_caller: string | null;
  last_missed_time: string | null;
  missed_count: number;
  total_calls: number;
  calls_lifetime: number;
};

/** `pbx.call_state` from the calls in progress (CONTRACT §3): correct with any number of concurrent calls. */
export function callStateOf(active: readonly CallRecord[]): CallState {
  if (active.some((c) => c.direction === 'inbound' && !c.answered_at && c.status !== 'voicemail'))
    return 'ringing';
  if (active.some((c) => c.status === 'talking' || c.status === 'held' || c.status === 'voicemail'))
    return 'active';
  if (active.some((c) => c.direction === 'outbound')) return 'outgoing';
  return 'idle';
}

export interface CallEvent {
  event_type: CallEventType;
  call: CallRecord;
}

/** Missed in the counters and lists: inbound or internal, no person answered (voicemail included). */
export function isMissed(call: Pick<CallRecord, 'outcome'>): boolean {
  return call.outcome === 'missed' || call.outcome === 'voicemail';
}

/** The outcome once a call has ended, from what happened to it. */
export function outcomeOf(
  direction: CallDirection,
  answeredByPerson: boolean,
  voicemail: boolean,
): CallOutcome {
  if (answeredByPerson) return 'answered';
  if (direction === 'outbound' || direction === 'external') return 'unanswered';
  return voicemail ? 'voicemail' : 'missed';
}
