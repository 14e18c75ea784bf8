// The logical call as users see it (CONTRACT §3 "call object").

export type CallDirection = 'inbound' | 'outbound' | 'internal' | 'external';
export type CallStatus = 'routing' | 'ringing' | 'talking' | 'held' | 'voicemail' | 'ended';
export type CallOutcome = 'answered' | 'missed' | 'voicemail' | 'unanswered';
export type CallEventType = 'ringing' | 'answered' | 'ended' | 'missed' | 'voicemail';

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
