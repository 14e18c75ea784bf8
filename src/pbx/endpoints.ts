// The reads the gateway makes, one function per poll target, each returning domain values or throwing PbxError.
import { z } from 'zod';
import type { ActiveCall, Extension, Member, Queue, RingGroup, SystemInfo, Trunk } from '../domain/types.ts';
import type { PbxClient, RowParser } from './client.ts';
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

export interface Contact {
  name: string;
  numbers: string[];
}

/**
 * How each answer becomes domain values, one entry per endpoint: the fetchers below use them, and the fuzz tests
 * feed them random and mutated JSON. Each returns a typed value or throws PbxError('parse').
 */
export const XAPI_PARSERS = {
  Users: (row: unknown): Extension => toExtension(parseWith(userSchema, row, 'Users')),
  /** A ring group with its members when they were expanded (empty otherwise). */
  RingGroups: (row: unknown): RingGroup => {
    const group = parseWith(ringGroupSchema, row, 'RingGroups');
    return toRingGroup(group, (group.Members ?? []).map(toMember));
  },
  /** A queue with its agents when they were expanded (empty otherwise). */
  Queues: (row: unknown): Queue => {
    const queue = parseWith(queueSchema, row, 'Queues');
    return toQueue(queue, (queue.Agents ?? []).map(toMember));
  },
  /** A member row of RingGroups({Id})/Members or Queues({Id})/Agents. */
  Members: (row: unknown): Member => toMember(parseWith(memberListSchema.element, row, 'Members')),
  Trunks: (row: unknown): Trunk => toTrunk(parseWith(trunkSchema, row, 'Trunks')),
  SystemStatus: (body: unknown): SystemInfo =>
    toSystemInfo(parseWith(systemStatusSchema, body, 'SystemStatus')),
  ActiveCalls: (row: unknown): ActiveCall => toActiveCall(parseWith(activeCallSchema, row, 'ActiveCalls')),
  /** A phonebook entry, or null when it has no name or no number to match a caller by. */
  Contacts: (row: unknown): Contact | null => {
    const c = parseWith(contactSchema, row, 'Contacts');
    const name = [c.FirstName, c.LastName].filter(Boolean).join(' ') || c.CompanyName || '';
    const numbers = [c.PhoneNumber, c.Mobile2, c.Business, c.Business2, c.Home].filter(
      (n): n is string => !!n,
    );
    return name && numbers.length > 0 ? { name, numbers } : null;
  },
  VoicemailSettings: (body: unknown): string | null =>
    parseWith(z.looseObject({ Extension: z.string().nullish() }), body, 'VoicemailSettings').Extension ??
    null,
  Defs: (body: unknown): void => {
    parseWith(z.looseObject({ Id: z.int32() }), body, 'Defs');
  },
  /**
   * The answer to Users/Pbx.MakeCall: the PBX has placed the call by then, so a broken answer is no failure. Each
   * field is taken when it has its type (a short status text, an int32 call id), else null. Never throws.
   */
  MakeCall: (body: unknown): { status: string | null; callId: number | null } => {
    const answer = body as { FinalStatus?: unknown; Result?: { CallId?: unknown } | null } | null | undefined;
    const status = answer?.FinalStatus;
    const callId = answer?.Result?.CallId;
    return {
      status: typeof status === 'string' && status.length <= 100 ? status : null,
      callId: z.int32().safeParse(callId).data ?? null,
    };
  },
};

/** Users without hot-desking entries, with their profile names; falls back when the build rejects $expand. */
export async function fetchExtensions(
  client: PbxClient,
  parse: RowParser<Extension> = XAPI_PARSERS.Users,
): Promise<Extension[]> {
  const query = { $filter: NOT_HOT_DESKING, $select: USER_FIELDS };
  try {
    return await client.getAll('Users', { ...query, $expand: 'ForwardingProfiles($select=Name)' }, parse);
  } catch (error) {
    if (!isRejectedExpand(error)) throw error;
    return client.getAll('Users', query, parse);
  }
}

/** A ring group or a queue: its set, the navigation path of its member list, and the fields read. */
interface GroupSet<Out> {
  set: 'RingGroups' | 'Queues';
  navigation: 'Members' | 'Agents';
  select: string;
  withList: (entity: Out, members: Member[]) => Out;
}

const RING_GROUPS: GroupSet<RingGroup> = {
  set: 'RingGroups',
  navigation: 'Members',
  select: 'Id,Number,Name,RingStrategy,IsRegistered',
  withList: (group, members) => ({ ...group, members }),
};

const QUEUES: GroupSet<Queue> = {
  set: 'Queues',
  navigation: 'Agents',
  select: 'Id,Number,Name,PollingStrategy,IsRegistered',
  withList: (queue, agents) => ({ ...queue, agents }),
};

async function withMembers<Out extends { id: number }>(
  client: PbxClient,
  { set, navigation, select, withList }: GroupSet<Out>,
  parse: RowParser<Out>,
): Promise<Out[]> {
  try {
    return await client.getAll(set, { $select: select, $expand: navigation }, parse);
  } catch (error) {
    if (!isRejectedExpand(error)) throw error;
  }
  // $expand is refused on some builds (3cx-xapi.md §2): read each navigation path instead.
  const entities = await client.getAll(set, { $select: select }, parse);
  const result: Out[] = [];
  for (const entity of entities) {
    const members = await client.getAll(`${set}(${entity.id})/${navigation}`, {}, XAPI_PARSERS.Members);
    result.push(withList(entity, members));
  }
  return result;
}

export function fetchRingGroups(client: PbxClient, parse = XAPI_PARSERS.RingGroups): Promise<RingGroup[]> {
  return withMembers(client, RING_GROUPS, parse);
}

export function fetchQueues(client: PbxClient, parse = XAPI_PARSERS.Queues): Promise<Queue[]> {
  return withMembers(client, QUEUES, parse);
}

export function fetchTrunks(client: PbxClient): Promise<Trunk[]> {
  return client.getAll(
    'Trunks',
    { $select: 'Id,Number,IsOnline,ExternalNumber,DidNumbers,Gateway' },
    XAPI_PARSERS.Trunks,
  );
}

export function fetchSystemInfo(client: PbxClient): Promise<SystemInfo> {
  return client.get('SystemStatus?$select=FQDN,Version,CallsActive', XAPI_PARSERS.SystemStatus);
}

export const ACTIVE_CALL_FIELDS = 'Id,Caller,Callee,Status,EstablishedAt,LastChangeStatus,ServerNow';

export function fetchActiveCalls(
  client: PbxClient,
  parse: RowParser<ActiveCall> = XAPI_PARSERS.ActiveCalls,
): Promise<ActiveCall[]> {
  return client.getAll('ActiveCalls', { $select: ACTIVE_CALL_FIELDS }, parse);
}

/** The company phonebook, for caller names. */
export async function fetchContacts(
  client: PbxClient,
  parse: RowParser<Contact | null> = XAPI_PARSERS.Contacts,
): Promise<Contact[]> {
  const rows = await client.getAll(
    'Contacts',
    { $select: 'Id,FirstName,LastName,CompanyName,PhoneNumber,Mobile2,Business,Business2,Home' },
    parse,
  );
  return rows.filter((c): c is Contact => c !== null);
}

/** The voicemail system DN (VoicemailSettings.Extension). */
export async function fetchVoicemailNumber(client: PbxClient): Promise<string | null> {
  return client.get('VoicemailSettings?$select=Extension', XAPI_PARSERS.VoicemailSettings);
}

/** The cheap connectivity probe (3cx-xapi.md §2). */
export async function probe(client: PbxClient): Promise<void> {
  await client.get('Defs?$select=Id', XAPI_PARSERS.Defs);
}
