// What a failing PBX answers for POST /sim/fault: OData 500s, nginx's HTML 503, a reset or a hang, broken JSON,
// and faults of a real answer's body: cut off mid-transfer, the right shape with wrong JSON types, 20 MB.
import { json, type Reply } from './reply.ts';

export type FaultMode = '500' | '503' | 'reset' | 'hang' | 'malformed' | 'truncated' | 'wrong-types' | 'huge';
export const FAULT_MODES: readonly FaultMode[] = [
  '500',
  '503',
  'reset',
  'hang',
  'malformed',
  'truncated',
  'wrong-types',
  'huge',
];
/** Modes that spoil the real answer (the request is served: its effects happen) rather than replace it. */
export type BodyFaultMode = 'truncated' | 'wrong-types' | 'huge';

export interface Fault {
  mode: FaultMode;
  /** Only requests whose path matches (a regular expression); all of /xapi, /callcontrol and the logins when absent. */
  path?: RegExp;
  /** Fail this many requests, then recover; forever when absent. */
  remaining?: number;
  /** Requests failed so far (wrong-types alternates its two variants by it). */
  applied?: number;
}

/** Paths a fault without `path` covers (the websocket upgrade is never faulted). */
const DEFAULT_SCOPE = /^\/(xapi|connect|webclient)\/|^\/callcontrol(\/|$)/;

/** 20 MiB: far above any real answer, to test a client's size limit. */
export const HUGE_BYTES = 20 * 1024 * 1024;

/**
 * The fault that covers a request (its own pattern is tested on the decoded path, the default scope on the raw
 * one), counted against `remaining`; undefined when none does.
 */
export function faultApplies(holder: { current?: Fault }, rawPath: string, path: string): Fault | undefined {
  const fault = holder.current;
  if (!fault || !(fault.path ? fault.path.test(path) : DEFAULT_SCOPE.test(rawPath))) return undefined;
  if (fault.remaining !== undefined && --fault.remaining <= 0) holder.current = undefined;
  fault.applied = (fault.applied ?? 0) + 1;
  return fault;
}

export function isBodyFault(mode: FaultMode): mode is BodyFaultMode {
  return mode === 'truncated' || mode === 'wrong-types' || mode === 'huge';
}

/** The answer of the modes that replace the answer (reset and hang answer nothing). */
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

function parsedJson(reply: Reply): unknown {
  if (!/json/.test(reply.headers?.['content-type'] ?? '') || reply.body === undefined) return undefined;
  try {
    return JSON.parse(reply.body.toString()) as unknown;
  } catch {
    return undefined;
  }
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Every leaf the wrong type: numbers as strings, digit strings as numbers, booleans "yes"/"no", times as epoch ms. */
function mistype(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mistype);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mistype(v)]));
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  if (typeof value === 'string' && ISO_DATE_TIME.test(value)) return Date.parse(value);
  return value;
}

function withBody(reply: Reply, body: string): Reply {
  return { ...reply, body };
}

/**
 * The right shape with the wrong JSON types. Odd requests: every field mistyped (`"Number": 101`,
 * `"IsRegistered": "yes"`); even requests: a collection's `value` an object (`{"0": {…}}`) instead of an array.
 */
export function wrongTypes(reply: Reply, applied: number): Reply {
  const body = parsedJson(reply);
  if (body === undefined) return reply;
  const collection = body as { value?: unknown };
  if (applied % 2 === 0 && Array.isArray(collection.value)) {
    return withBody(reply, JSON.stringify({ ...collection, value: { ...collection.value } }));
  }
  return withBody(reply, JSON.stringify(mistype(body)));
}

/**
 * A valid answer of 20 MB: a collection's rows repeated, as a PBX ignoring $top might send; any other JSON padded
 * with whitespace (still valid JSON). Answers without a JSON body are left as they are.
 */
export function huge(reply: Reply): Reply {
  const body = parsedJson(reply);
  if (body === undefined) return reply;
  const collection = body as { value?: unknown };
  if (Array.isArray(collection.value)) {
    const rows = collection.value.length > 0 ? collection.value : [{}];
    const rowText = rows.map((r) => JSON.stringify(r)).join(',');
    const copies = Math.ceil(HUGE_BYTES / (rowText.length + 1));
    const value = `[${Array.from({ length: copies }, () => rowText).join(',')}]`;
    const shell = JSON.stringify({ ...collection, value: '\u0000rows' });
    return withBody(
      reply,
      shell.replace('"\\u0000rows"', () => value),
    );
  }
  const text = JSON.stringify(body);
  return withBody(reply, `${text.slice(0, -1)}${' '.repeat(HUGE_BYTES)}${text.slice(-1)}`);
}
