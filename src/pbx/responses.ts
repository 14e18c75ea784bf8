// Typed parsing of 3CX xAPI answers at the edge: a malformed answer is a PbxError('parse'), never a partial value.
import { z } from 'zod';
import type { ActiveCall, Extension, Member, Queue, RingGroup, SystemInfo, Trunk } from '../domain/types.ts';
import { PbxError } from './errors.ts';

/** An optional PBX field: absent or null becomes null. */
export const orNull = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

export const text = orNull(z.string());
const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);
/** 3CX's counts are int32 (its OpenAPI file); a larger number is a broken answer. */
const count = orNull(z.int32());

/** 3CX's own pattern for a date-time (Edm.DateTimeOffset in its OpenAPI file). */
const DATE_TIME_PATTERN =
  /^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$/;
/** 3CX's own pattern for an ISO 8601 duration (Edm.Duration), e.g. PT1M12.577027S. */
const DURATION_PATTERN = /^-?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** A time from the PBX, kept as its text, but only when it is one: garbage would become NaN further on. */
export const dateTime = z
  .string()
  .regex(DATE_TIME_PATTERN, 'expected an ISO 8601 date-time')
  .refine((v) => Number.isFinite(Date.parse(v)), 'expected a date-time within the calendar');
export const optionalDateTime = dateTime.nullish().transform((v) => v ?? null);

/** A PBX duration in milliseconds (absent: 0); text that is no duration, or too long to count, is refused. */
export const durationMs = z
  .string()
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined) return 0;
    const match = DURATION_PATTERN.exec(value);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 duration such as PT1M12S' });
      return z.NEVER;
    }
    const [, d, h, m, sec] = match;
    const ms = Math.round(
      ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Number(sec ?? 0) * 1000,
    );
    if (!Number.isSafeInteger(ms)) {
      ctx.addIssue({ code: 'custom', message: 'a duration too long to count' });
      return z.NEVER;
    }
    return ms;
  });

const memberSchema = z.looseObject({ Number: z.string(), Name: text });
const toMember = (m: z.output<typeof memberSchema>): Member => ({ number: m.Number, name: m.Name ?? '' });

export const userSchema = z.looseObject({
  Id: z.int32(),
  Number: z.string().min(1),
  FirstName: text,
  LastName: text,
  DisplayName: text,
  CurrentProfileName: text,
  IsRegistered: flag,
  QueueStatus: orNull(z.enum(['LoggedIn', 'LoggedOut'])),
  ForwardingProfiles: z.array(z.looseObject({ Name: text })).optional(),
});

/** What ring groups and queues share: the DN, its name and whether it is registered. */
const groupFields = { Id: z.int32(), Number: z.string().min(1), Name: text, IsRegistered: flag };

export const ringGroupSchema = z.looseObject({
  ...groupFields,
  RingStrategy: text,
  Members: z.array(memberSchema).optional(),
});

export const queueSchema = z.looseObject({
  ...groupFields,
  PollingStrategy: text,
  Agents: z.array(memberSchema).optional(),
});

export const trunkSchema = z.looseObject({
  Id: z.int32(),
  Number: z.string().min(1),
  IsOnline: flag,
  ExternalNumber: text,
  DidNumbers: z.array(z.string()).nullish(),
  Gateway: z.looseObject({ Name: text }).nullish(),
});

export const systemStatusSchema = z.looseObject({ FQDN: text, Version: text, CallsActive: count });

export const activeCallSchema = z.looseObject({
  Id: z.int32(),
  Caller: text,
  Callee: text,
  Status: text,
  EstablishedAt: optionalDateTime,
  LastChangeStatus: optionalDateTime,
  ServerNow: optionalDateTime,
});

export const memberListSchema = z.array(memberSchema);

/** Parses one value or throws a PbxError naming the endpoint and the first problem's path. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, endpoint: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new PbxError(
    'parse',
    endpoint,
    `unexpected answer at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
}

export const DEFAULT_PROFILES = ['Available', 'Away', 'Out of office', 'Custom 1', 'Custom 2'];

export function toExtension(user: z.output<typeof userSchema>): Extension {
  const first = user.FirstName ?? '';
  const last = user.LastName ?? '';
  const name = user.DisplayName ?? [first, last].filter(Boolean).join(' ');
  const profiles = user.ForwardingProfiles?.map((p) => p.Name).filter((n): n is string => !!n) ?? [];
  const presence = user.CurrentProfileName;
  // Without the profile list (expand refused), offer 3CX's usual names plus whatever the user has now.
  const options = profiles.length > 0 ? profiles : DEFAULT_PROFILES;
  return {
    id: user.Id,
    number: user.Number,
    name,
    firstName: first,
    lastName: last,
    presence,
    registered: user.IsRegistered,
    queueStatus: user.QueueStatus,
    profiles: presence && !options.includes(presence) ? [...options, presence] : options,
  };
}

function toGroup(group: z.output<z.ZodObject<typeof groupFields>>, strategy: string | null) {
  return {
    id: group.Id,
    number: group.Number,
    name: group.Name ?? group.Number,
    strategy,
    registered: group.IsRegistered,
  };
}

export function toRingGroup(group: z.output<typeof ringGroupSchema>, members: Member[]): RingGroup {
  return { ...toGroup(group, group.RingStrategy), members };
}

export function toQueue(queue: z.output<typeof queueSchema>, agents: Member[]): Queue {
  return { ...toGroup(queue, queue.PollingStrategy), agents };
}

export function toTrunk(trunk: z.output<typeof trunkSchema>): Trunk {
  return {
    id: trunk.Id,
    number: trunk.Number,
    name: trunk.Gateway?.Name ?? trunk.Number,
    online: trunk.IsOnline,
    externalNumber: trunk.ExternalNumber,
    dids: trunk.DidNumbers ?? [],
  };
}

export function toSystemInfo(status: z.output<typeof systemStatusSchema>): SystemInfo {
  return { fqdn: status.FQDN, version: status.Version, callsActive: status.CallsActive };
}

export function toActiveCall(call: z.output<typeof activeCallSchema>): ActiveCall {
  return {
    id: call.Id,
    caller: call.Caller ?? '',
    callee: call.Callee ?? '',
    status: call.Status ?? '',
    establishedAt: call.EstablishedAt,
    lastChangeStatus: call.LastChangeStatus,
    serverNow: call.ServerNow,
  };
}

export { toMember };
