// Alarm calls and the SIP line as the domain sees them: alarm types, results, progress steps and the SIP fields of <b>/pbx.

export const ALARM_TYPES = ['towing', 'unplug', 'generic'] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];

export type AlarmResult = 'IN_PROGRESS' | 'CONFIRMED' | 'NO_ANSWER' | 'FAILED';

export const ALARM_EVENT_TYPES = ['dialing', 'ringing', 'answered', 'digit', 'next', 'result'] as const;

/** One step of an alarm call, as published on `<b>/event/alarm_call`. */
export interface AlarmProgress {
  event_type: (typeof ALARM_EVENT_TYPES)[number];
  type: AlarmType;
  number?: string;
  result?: AlarmResult;
  digit?: string;
}

/** The SIP line's fields of `<b>/pbx` (only when sip.enabled). */
export type SipFields = {
  sip_registered: boolean | null;
  alarm_call_result: AlarmResult | null;
  alarm_call_time: string | null;
  alarm_call_confirmed_by: string | null;
};
