// The reads the gateway makes, one function per poll target, each returning domain values or throwing PbxError.
import { z } from 'zod';
import type { ActiveCall, Extension, Queue, RingGroup, SystemInfo, Trunk } from '../domain/types.ts';
import type { PbxClient } from './client.ts';
import { PbxError } from './errors.ts';
import {
  activeCallSchema,
  memberListSchema,
  parseWith,
  queueSchema,
  ringGroupSchema,
  systemStatusSchema,
  toActiveCall,
  toExtension,
  toMember,
  toQueue,
  toRingGroup,
  toSystemInfo,
  toTrunk,
  trunkSchema,
  userSchema,
} from './responses.ts';

const NOT_HOT_DESKING = "not startsWith(Number,'HD')";
const USER_FIELDS = 'Id,Number,FirstName,LastName,DisplayName,CurrentProfileName,IsRegistered,QueueStatus';

const isRejectedExpand = (error: unknown) =>
  error instanceof PbxError && error.kind === 'http' && error.status === 400;

/** Users without hot-desking entries, with their profile names; falls back when the build rejects $expand. */
export async function fetchExtensions(client: PbxClient): Promise<Extension[]> {
  const query = { $filter: NOT_HOT_DESKING, $select: USER_FIELDS };
  const parse = (row: unknown) => toExtension(parseWith(userSchema, row, 'Users'));
  try {
    return await client.getAll('Users', { ...query, $expand: 'ForwardingProfiles($select=Name)' }, parse);
  } catch (error) {
    if (!isRejectedExpand(error)) throw error;
    return client.getAll('Users', query, parse);
  }
}

async function withMembers<Row extends { Id: number }, Out>(
  client: PbxClient,
  set: 'RingGroups' | 'Queues',
  navigation: 'Members' | 'Agents',
  select: string,
  parseRow: (row: unknown) => Row & { [K in typeof navigation]?: { Number: string; Name: string | null }[] },
  build: (row: Row, members: { number: string; name: string }[]) => Out,
): Promise<Out[]> {
  try {
    const rows = await client.getAll(set, { $select: select, $expand: navigation }, parseRow);
    return rows.map((row) => build(row, (row[navigation] ?? []).map(toMember)));
  } catch (error) {
    if (!isRejectedExpand(error)) throw error;
  }
  // $expand is refused on some builds (3cx-xapi.md §2): read each navigation path instead.
  const rows = await client.getAll(set, { $select: select }, parseRow);
  const result: Out[] = [];
  for (const row of rows) {
    const path = `${set}(${row.Id})/${navigation}`;
    const members = await client.getAll(`${set}(${row.Id})/${navigation}`, {}, (m) =>
      parseWith(memberListSchema.element, m, path),
    );
    result.push(build(row, members.map(toMember)));
  }
  return result;
}

export function fetchRingGroups(client: PbxClient): Promise<RingGroup[]> {
  return withMembers(
    client,
    'RingGroups',
    'Members',
    'Id,Number,Name,RingStrategy,IsRegistered',
    (row) => parseWith(ringGroupSchema, row, 'RingGroups'),
    toRingGroup,
  );
}

export function fetchQueues(client: PbxClient): Promise<Queue[]> {
  return withMembers(
    client,
    'Queues',
    'Agents',
    'Id,Number,Name,PollingStrategy,IsRegistered',
    (row) => parseWith(queueSchema, row, 'Queues'),
    toQueue,
  );
}

export function fetchTrunks(client: PbxClient): Promise<Trunk[]> {
  return client.getAll('Trunks', { $select: 'Id,Number,IsOnline,ExternalNumber,DidNumbers,Gateway' }, (row) =>
    toTrunk(parseWith(trunkSchema, row, 'Trunks')),
  );
}

export function fetchSystemInfo(client: PbxClient): Promise<SystemInfo> {
  return client.get('SystemStatus?$select=FQDN,Version,CallsActive', (body) =>
    toSystemInfo(parseWith(systemStatusSchema, body, 'SystemStatus')),
  );
}

export function fetchActiveCalls(client: PbxClient): Promise<ActiveCall[]> {
  return client.getAll(
    'ActiveCalls',
    { $select: 'Id,Caller,Callee,Status,EstablishedAt,LastChangeStatus,ServerNow' },
    (row) => toActiveCall(parseWith(activeCallSchema, row, 'ActiveCalls')),
  );
}

const contactSchema = z.looseObject({
  FirstName: z.string().nullish(),
  LastName: z.string().nullish(),
  CompanyName: z.string().nullish(),
  PhoneNumber: z.string().nullish(),
  Mobile2: z.string().nullish(),
  Business: z.string().nullish(),
  Business2: z.string().nullish(),
  Home: z.string().nullish(),
});

/** The company phonebook, for caller names. */
export async function fetchContacts(client: PbxClient): Promise<{ name: string; numbers: string[] }[]> {
  const rows = await client.getAll(
    'Contacts',
    { $select: 'Id,FirstName,LastName,CompanyName,PhoneNumber,Mobile2,Business,Business2,Home' },
    (row) => parseWith(contactSchema, row, 'Contacts'),
  );
  return rows
    .map((c) => ({
      name: [c.FirstName, c.LastName].filter(Boolean).join(' ') || c.CompanyName || '',
      numbers: [c.PhoneNumber, c.Mobile2, c.Business, c.Business2, c.Home].filter((n): n is string => !!n),
    }))
    .filter((c) => c.name && c.numbers.length > 0);
}

/** The voicemail system DN (VoicemailSettings.Extension). */
export async function fetchVoicemailNumber(client: PbxClient): Promise<string | null> {
  return client.get(
    'VoicemailSettings?$select=Extension',
    (body) =>
      parseWith(z.looseObject({ Extension: z.string().nullish() }), body, 'VoicemailSettings').Extension ??
      null,
  );
}

/** The cheap connectivity probe (3cx-xapi.md §2). */
export async function probe(client: PbxClient): Promise<void> {
  await client.get('Defs?$select=Id', (body) => parseWith(z.looseObject({ Id: z.number() }), body, 'Defs'));
}
