// What a failing PBX answers for POST /sim/fault: OData 500s, nginx's HTML 503, broken JSON.
import { json, type Reply } from './reply.ts';

export type FaultMode = '500' | '503' | 'reset' | 'hang' | 'malformed';
export const FAULT_MODES: readonly FaultMode[] = ['500', '503', 'reset', 'hang', 'malformed'];

export interface Fault {
  mode: FaultMode;
  /** Only requests whose path matches (a regular expression); all of /xapi and the logins when absent. */
  path?: RegExp;
  /** Fail this many requests, then recover; forever when absent. */
  remaining?: number;
}

/** Paths a fault without `path` covers. */
const DEFAULT_SCOPE = /^\/(xapi|connect|webclient)\//;

/**
 * The fault that covers a request (its own pattern is tested on the decoded path, the default scope on the raw
 * one), counted against `remaining`; undefined when none does.
 */
export function faultApplies(holder: { current?: Fault }, rawPath: string, path: string): Fault | undefined {
  const fault = holder.current;
  if (!fault || !(fault.path ? fault.path.test(path) : DEFAULT_SCOPE.test(rawPath))) return undefined;
  if (fault.remaining !== undefined && --fault.remaining <= 0) holder.current = undefined;
  return fault;
}

/** The answer of the modes that answer (the others reset or hold the connection). */
export function faultReply(mode: '500' | '503' | 'malformed'): Reply {
  switch (mode) {
    case '500':
      return json(500, { error: { code: '500', message: 'An error has occurred.', details: [] } });
    case '503':
      // What nginx in front of a restarting 3CX answers: HTML, not JSON.
      return {
        status: 503,
        headers: { 'content-type': 'text/html' },
        body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
      };
    case 'malformed':
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"@odata.context":"x","value":[{"Id":',
      };
  }
}
