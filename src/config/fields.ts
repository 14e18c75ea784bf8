// Builders for the schema's keys (durations with bounds, secrets, flags, counts, regex lists, host:port, entity
// filters, topic levels), each carrying the metadata the loader, the redactor and the docs read.
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.ts';

/** Extra facts about a key that the loader, the redactor and the docs read from the JSON Schema. */
export interface KeyMeta {
  description?: string;
  /** Redacted everywhere; may be read from a file through the `_FILE` environment variable. */
  secret?: boolean;
  /** Stored as milliseconds; written as seconds or "500ms", "2s", "5m". */
  duration?: boolean;
}

export const DURATION_HINT = 'a duration: seconds or a string like 500ms, 2s, 5m';

/** Node fires a timer set past this (about 24.8 days) at once: no duration may be longer. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Bounds of a duration in milliseconds, each with the reason a user reads when a value is outside. */
interface DurationBounds {
  min?: [ms: number, reason: string];
  max?: [ms: number, reason: string];
}

export function duration(defaultValue: string, description: string, bounds: DurationBounds = {}) {
  const [min, minReason] = bounds.min ?? [0, ''];
  const [max, maxReason] = bounds.max ?? [MAX_TIMER_MS, 'a timer cannot wait longer'];
  const range = `${bounds.min ? `at least ${formatDuration(min)}` : ''}${bounds.min && bounds.max ? ', ' : ''}${bounds.max ? `at most ${formatDuration(max)}` : ''}`;
  return z
    .union([z.number(), z.string()], { error: `expected ${DURATION_HINT}` })
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HINT}` });
        return z.NEVER;
      }
      if (ms < min)
        ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}: ${minReason}` });
      if (ms > max) {
        const limit = max === MAX_TIMER_MS ? '24 days' : formatDuration(max);
        ctx.addIssue({ code: 'custom', message: `must be at most ${limit}: ${maxReason}` });
      }
      return ms;
    })
    .prefault(defaultValue)
    .meta({ duration: true, description: range ? `${description} (${range})` : description });
}

export function secret(description: string) {
  return z.string().min(1, 'must not be empty').nullable().prefault(null).meta({ secret: true, description });
}

export function optionalString(description: string) {
  return z.string().min(1, 'must not be empty').nullable().prefault(null).meta({ description });
}

export function flag(defaultValue: boolean, description: string) {
  return z.boolean({ error: 'expected true or false' }).prefault(defaultValue).meta({ description });
}

export function count(defaultValue: number, min: number, max: number, description: string) {
  return z
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(min)
    .max(max)
    .prefault(defaultValue)
    .meta({ description });
}

export function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const regexList = (defaultValue: string[], description: string) =>
  z
    .array(z.string().refine(isValidRegex, 'is not a valid regular expression'))
    .prefault(defaultValue)
    .meta({ description });

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const hostPort = (defaultValue: string, description: string) =>
  z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port')
    .prefault(defaultValue)
    .meta({ description });

export const entityFilter = (description: string) =>
  z
    .union([z.enum(['all', 'none']), z.array(z.string().min(1))], {
      error: 'expected "all", "none" or a list of numbers',
    })
    .prefault('all')
    .meta({ description });

export const topicLevel = z
  .string()
  .min(1)
  .refine((t) => !/[+#]/.test(t) && !t.includes('\u0000') && !t.startsWith('/') && !t.endsWith('/'), {
    message: 'must not contain + # or NUL, nor start or end with /',
  });
