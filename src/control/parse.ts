// Command payloads (CONTRACT §3 "Commands"): plain text or JSON, parsed into typed requests or a reason to refuse.
import { ALARM_TYPES, type AlarmType } from '../domain/alarm.ts';

export interface Parsed<T> {
  value?: T;
  error?: string;
  transaction?: string | number;
}

const MAX_PAYLOAD = 1024;

/**
 * JSON.parse has already rounded a number beyond 2^53 (12345678901234567890 reads 12345678901234567000, 1e21 writes
 * as 1e+21), so a JSON number stands for digits (a number to dial, a call id, a transaction) only when it is a safe
 * integer. Any other JSON number is refused with this reason rather than guessed at.
 */
function inexactNumber(key: string, value: unknown): string | undefined {
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return undefined;
  return `${key}: a JSON number is taken only when it is a whole number up to ${Number.MAX_SAFE_INTEGER} (others lose digits in JSON); send it as a string, e.g. "200"`;
}

/** A JSON object payload, or the trimmed text; refuses binary and oversized payloads. */
function read(payload: Buffer): {
  text?: string;
  json?: Record<string, unknown>;
  error?: string;
  transaction?: string | number;
} {
  if (payload.length === 0) return { error: 'empty payload' };
  if (payload.length > MAX_PAYLOAD) return { error: `payload larger than ${MAX_PAYLOAD} bytes` };
  const text = payload.toString('utf8').trim();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { error: 'payload contains control characters' };
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as unknown;
      if (!json || typeof json !== 'object' || Array.isArray(json))
        return { error: 'expected a JSON object' };
      const transaction = (json as { transaction?: unknown }).transaction;
      const inexact = inexactNumber('transaction', transaction);
      if (inexact) return { error: inexact };
      const echo =
        typeof transaction === 'string' || typeof transaction === 'number' ? transaction : undefined;
      return { json: json as Record<string, unknown>, ...(echo !== undefined ? { transaction: echo } : {}) };
    } catch {
      return { error: 'payload is not valid JSON' };
    }
  }
  return { text };
}

/** The transaction id of a JSON payload, to echo in an answer that refuses it before parsing. */
export function transactionOf(payload: Buffer): string | number | undefined {
  return read(payload).transaction;
}

type Input = ReturnType<typeof read>;

/** A command's one value: the first of `keys` in a JSON payload, or the text; an inexact JSON number is refused. */
function scalar(
  payload: Buffer,
  label: string,
  keys: readonly string[],
): { input: Input; raw: unknown } | { refused: Parsed<never> } {
  const input = read(payload);
  if (input.error) return { refused: { error: input.error } };
  const raw = input.json
    ? keys.map((key) => input.json![key]).find((v) => v !== undefined && v !== null)
    : input.text;
  const inexact = inexactNumber(label, raw);
  return inexact ? { refused: withTransaction(input, { error: inexact }) } : { input, raw };
}

function field(input: ReturnType<typeof read>, key: string): unknown {
  return input.json ? input.json[key] : input.text;
}

function withTransaction<T>(input: ReturnType<typeof read>, result: Parsed<T>): Parsed<T> {
  return input.transaction !== undefined ? { ...result, transaction: input.transaction } : result;
}

/**
 * A phone number as a dial target: digits with an optional leading +, *, # (never anything a URI could misread).
 * Spaces, brackets, dots, slashes and dashes are how people write numbers and are dropped; any other character,
 * a tab or line break included, makes it no number.
 */
export function parseNumber(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const compact = value.replace(/[ ()./-]/g, '');
  return /^\+?[0-9*#]{1,32}$/.test(compact) ? compact : undefined;
}

/** Controls, format characters (bidi marks, zero-width, BOM), lone surrogates and line or paragraph separators. */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

export function parsePresence(payload: Buffer): Parsed<string> {
  const input = read(payload);
  if (input.error) return { error: input.error };
  const name = field(input, 'presence') ?? field(input, 'profile');
  if (typeof name !== 'string' || name.trim() === '' || name.length > 64) {
    return withTransaction(input, {
      error: 'expected a profile name, e.g. "Available" or {"presence": "Away"}',
    });
  }
  // A profile name is shown in logs and answers: nothing in it may hide or reorder text, or break a line.
  if (INVISIBLE_OR_CONTROL.test(name.trim()))
    return withTransaction(input, {
      error: 'a profile name must not contain control characters, bidi marks or line breaks',
    });
  return withTransaction(input, { value: name.trim() });
}

export function parseDial(payload: Buffer): Parsed<string> {
  const got = scalar(payload, 'number', ['number', 'destination']);
  if ('refused' in got) return got.refused;
  const { input, raw } = got;
  const number = parseNumber(raw);
  return withTransaction(
    input,
    number ? { value: number } : { error: 'expected a destination number, e.g. "200" or {"number": "200"}' },
  );
}

export function parseDrop(payload: Buffer): Parsed<string> {
  const got = scalar(payload, 'id', ['id', 'call_id']);
  if ('refused' in got) return got.refused;
  const { input, raw: id } = got;
  const text = typeof id === 'number' ? String(id) : id;
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(text)) {
    return withTransaction(input, {
      error: 'expected a call id from calls/active (its id or one of its pbx_call_ids)',
    });
  }
  return withTransaction(input, { value: text });
}

export interface MakeCallRequest {
  number: string;
  durationS?: number;
}

export function parseMakeCall(payload: Buffer): Parsed<MakeCallRequest> {
  const got = scalar(payload, 'number', ['number']);
  if ('refused' in got) return got.refused;
  const { input, raw } = got;
  const number = parseNumber(raw);
  if (!number)
    return withTransaction(input, {
      error: 'expected a number, e.g. "200" or {"number": "200", "duration": 20}',
    });
  const duration = input.json?.duration;
  if (duration !== undefined && (typeof duration !== 'number' || !(duration >= 1 && duration <= 300))) {
    return withTransaction(input, { error: 'duration must be 1 to 300 seconds' });
  }
  return withTransaction(input, {
    value: { number, ...(typeof duration === 'number' ? { durationS: duration } : {}) },
  });
}

export interface AlarmRequest {
  type: AlarmType;
  numbers?: string[];
}

export function parseAlarm(payload: Buffer): Parsed<AlarmRequest> {
  const input = read(payload);
  if (input.error) return { error: input.error };
  const type = input.json ? input.json.type : input.text;
  if (!ALARM_TYPES.includes(type as AlarmType))
    return withTransaction(input, {
      error: `expected ${ALARM_TYPES.join(', ')} or {"type": ..., "numbers": [...]}`,
    });
  const rawNumbers = input.json?.numbers;
  if (rawNumbers === undefined) return withTransaction(input, { value: { type: type as AlarmType } });
  if (!Array.isArray(rawNumbers) || rawNumbers.length === 0 || rawNumbers.length > 20)
    return withTransaction(input, { error: 'numbers must be a list of 1 to 20 numbers' });
  const inexact = rawNumbers.map((n) => inexactNumber('numbers', n)).find(Boolean);
  if (inexact) return withTransaction(input, { error: inexact });
  const numbers = rawNumbers.map(parseNumber);
  if (numbers.some((n) => n === undefined))
    return withTransaction(input, { error: 'numbers must be phone numbers' });
  return withTransaction(input, { value: { type: type as AlarmType, numbers: numbers as string[] } });
}
