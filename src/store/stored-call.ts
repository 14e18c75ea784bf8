// A call as the store keeps it: the call object of CONTRACT §3 plus the store's own columns, and its row form.
import type { CallRecord } from '../domain/call.ts';
import { localDay } from '../domain/local-day.ts';

export type CallSource = 'poll' | 'calllog' | 'webhook';
/** Who named the caller: ActiveCalls, the call log, or the CRM webhook. */
export type CallerSource = 'pbx' | 'calllog' | 'webhook';

export interface StoredCall extends CallRecord {
  main_call_history_id: string | null;
  source: CallSource;
  caller_source: CallerSource | null;
  start_day: string;
  end_day: string | null;
}

/** A call with the store's own columns: days counted in `timeZone`, who named the caller (default: ActiveCalls). */
export function storedCall(
  call: CallRecord,
  timeZone: string,
  extra: {
    main_call_history_id?: string | null;
    source?: CallSource;
    caller_source?: CallerSource | null;
  } = {},
): StoredCall {
  return {
    ...call,
    main_call_history_id: extra.main_call_history_id ?? null,
    source: extra.source ?? 'poll',
    caller_source:
      extra.caller_source !== undefined ? extra.caller_source : call.caller_number ? 'pbx' : null,
    start_day: localDay(Date.parse(call.started_at), timeZone),
    end_day: call.ended_at ? localDay(Date.parse(call.ended_at), timeZone) : null,
  };
}

/** A stored call as users see it (CONTRACT §3 call object), without the store's own columns. */
export function plainCall(call: StoredCall): CallRecord {
  const {
    main_call_history_id: _m,
    source: _s,
    caller_source: _c,
    start_day: _d,
    end_day: _e,
    ...plain
  } = call;
  return plain;
}

export interface CallRow {
  id: string;
  pbx_call_ids: string;
  main_call_history_id: string | null;
  direction: string;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string | null;
  called_name: string | null;
  agent: string | null;
  status: string;
  outcome: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration: number | null;
  vip: number;
  recording_url: string | null;
  source: string;
  caller_source: string | null;
  start_day: string;
  end_day: string | null;
}

export function fromRow(row: CallRow): StoredCall {
  return { ...row, pbx_call_ids: JSON.parse(row.pbx_call_ids) as number[], vip: row.vip === 1 } as StoredCall;
}

/** A stored call as statement parameters. */
export function toParams(call: StoredCall): Record<string, unknown> {
  return { ...call, pbx_call_ids: JSON.stringify(call.pbx_call_ids), vip: call.vip ? 1 : 0 };
}
