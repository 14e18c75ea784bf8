// What the /sim scripting API works on, and the helpers its handlers share to read JSON bodies.
import type { TokenAuthority } from '../auth.ts';
import { SimError, type SimCall } from '../call-types.ts';
import type { CallControl } from '../callcontrol/service.ts';
import type { CallEngine } from '../calls.ts';
import type { SimClock } from '../clock.ts';
import type { BulkCalls } from '../bulk-calls.ts';
import type { CallHistory } from '../call-history.ts';
import type { Fault } from '../faults.ts';
import type { RequestLog } from '../request-log.ts';
import type { PbxModel } from '../model.ts';
import type { TrafficGenerator } from '../traffic.ts';

export interface ScriptContext {
  model: PbxModel;
  calls: CallEngine;
  traffic: TrafficGenerator;
  clock: SimClock;
  auth: TokenAuthority;
  callControl: CallControl;
  history: CallHistory;
  bulk: BulkCalls;
  requestLog: RequestLog;
  fault: { current?: Fault };
  onFaultCleared: () => void;
}

/** One /sim request as the handlers see it. */
export interface ScriptCall {
  context: ScriptContext;
  body: Record<string, unknown>;
  query: URLSearchParams;
}

export function describeCall(call: SimCall) {
  return {
    id: call.id,
    main_call_history_id: call.historyId,
    direction: call.direction,
    status: call.status,
    caller: call.caller.callerId,
    callee: call.callee === 'ROUTER' ? 'ROUTER' : call.callee.dn,
    answered_by: call.answeredBy ?? null,
  };
}

export function field<T>(
  body: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  required = false,
): T | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new SimError(400, `"${name}" is required`);
    return undefined;
  }
  if (!check(value)) throw new SimError(400, `"${name}" has the wrong type`);
  return value;
}
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
