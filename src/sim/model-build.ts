// Builds the simulated PBX's directory from a seed: names, numbering, groups, trunks with DIDs, a phonebook.
import { COMPANIES, FIRST_NAMES, LAST_NAMES, Random } from './random.ts';
import {
  MAX_GROUPS,
  PROFILE_NAMES,
  type ForwardingProfile,
  type Member,
  type ModelOptions,
  type PbxModel,
  type SimContact,
  type SimQueue,
  type SimRingGroup,
  type SimTrunk,
  type SimUser,
} from './model.ts';

const STRATEGIES = ['RingAll', 'Hunt', 'Paging'] as const;
const POLLING = [
  'RingAll',
  'Hunt',
  'LongestWaiting',
  'HuntRandomStart',
  'LeastTalkTime',
  'FewestAnswered',
] as const;
const RING_GROUP_NAMES = [
  'Sales',
  'Reception',
  'Workshop',
  'Warehouse',
  'Management',
  'Night Shift',
  'Accounting',
];
const QUEUE_NAMES = ['Support', 'Orders', 'Billing', 'Hotline', 'Appointments', 'Complaints'];
const PROVIDERS = ['Telco SIP', 'Backup Carrier', 'City Fibre', 'Mobile Gateway', 'ISDN Bridge'];

/**
 * Numbering that never collides, as a 3CX admin would lay it out: extensions first, ring groups at 8xx(x),
 * queues at 9xx(x), voicemail 999, trunks from 10000 (3CX's trunk DNs).
 */
function numbering(extensions: number): {
  extensionStart: number;
  ringGroupStart: number;
  queueStart: number;
} {
  if (extensions <= 600) return { extensionStart: 100, ringGroupStart: 800, queueStart: 900 };
  if (extensions <= 6000) return { extensionStart: 1000, ringGroupStart: 8000, queueStart: 9000 };
  return { extensionStart: 20000, ringGroupStart: 80000, queueStart: 90000 };
}

function makeProfiles(nextId: () => number): ForwardingProfile[] {
  return PROFILE_NAMES.map((name) => ({
    Id: nextId(),
    Name: name,
    CustomName: name.startsWith('Custom') ? (name === 'Custom 1' ? 'Lunch' : 'Business Trip') : null,
    AcceptMultipleCalls: name === 'Available',
    BlockPushCalls: name === 'Out of office',
    DisableRingGroupCalls: name !== 'Available',
    NoAnswerTimeout: 20,
    RingMyMobile: false,
  }));
}

export function createModel(options: ModelOptions): PbxModel {
  const random = new Random(options.seed);
  let lastId = 0;
  const nextId = () => ++lastId;
  const { extensionStart, ringGroupStart, queueStart } = numbering(options.extensions);

  const users: SimUser[] = [];
  for (let i = 0; i < options.extensions; i++) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    users.push(makeUser(nextId, String(extensionStart + i), first, last, random));
  }
  // Hot-desking users exist on real systems and must be filtered out by clients (3cx-xapi.md §7.12).
  for (let i = 0; i < Math.max(1, Math.floor(options.extensions / 50)); i++) {
    const user = makeUser(nextId, `HD${String(i + 1).padStart(3, '0')}`, 'Hot', `Desk ${i + 1}`, random);
    user.IsRegistered = false;
    users.push(user);
  }
  const regular = users.filter((u) => !u.Number.startsWith('HD'));
  const asMember = (u: SimUser): Member => ({ Id: u.Id, Number: u.Number, Name: u.DisplayName, Tags: [] });

  const ringGroups: SimRingGroup[] = Array.from(
    { length: Math.min(options.ringGroups, MAX_GROUPS) },
    (_, i) => ({
      Id: nextId(),
      Number: String(ringGroupStart + i),
      Name:
        RING_GROUP_NAMES[i % RING_GROUP_NAMES.length]! + (i >= RING_GROUP_NAMES.length ? ` ${i + 1}` : ''),
      RingStrategy: STRATEGIES[i % STRATEGIES.length]!,
      RingTime: 20,
      IsRegistered: true,
      Groups: [],
      Members: pickDistinct(random, regular, Math.min(regular.length, random.int(2, 5))).map(asMember),
    }),
  );

  const queues: SimQueue[] = Array.from({ length: Math.min(options.queues, MAX_GROUPS) }, (_, i) => ({
    Id: nextId(),
    Number: String(queueStart + i),
    Name: QUEUE_NAMES[i % QUEUE_NAMES.length]! + (i >= QUEUE_NAMES.length ? ` ${i + 1}` : ''),
    PollingStrategy: POLLING[i % POLLING.length]!,
    RingTimeout: 20,
    MasterTimeout: 300,
    MaxCallersInQueue: 10,
    SLATime: 20,
    WrapUpTime: 5,
    AnnouncementInterval: 30,
    IsRegistered: true,
    Groups: [],
    Agents: pickDistinct(random, regular, Math.min(regular.length, random.int(2, 6))).map((u) => ({
      ...asMember(u),
      SkillGroup: '1',
    })),
  }));

  const trunks: SimTrunk[] = Array.from({ length: options.trunks }, (_, i) => {
    const did = `4930${random.digits(7)}`;
    return {
      Id: nextId(),
      Number: String(10000 + i),
      IsOnline: true,
      ExternalNumber: did,
      SimultaneousCalls: 8,
      DidNumbers: [did, `4930${random.digits(7)}`],
      Direction: 'Both',
      EnableInboundCalls: true,
      EnableOutboundCalls: true,
      Gateway: {
        Id: nextId(),
        Name: PROVIDERS[i % PROVIDERS.length]!,
        Host: `sip${i + 1}.provider.example`,
        Port: 5060,
        Type: 'Provider',
        Internal: false,
      },
      Groups: [],
      Tags: [],
      showsDidInActiveCalls: i === 0,
    };
  });

  const contacts: SimContact[] = Array.from({ length: 40 }, (_, i) => {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    return {
      Id: nextId(),
      FirstName: first,
      LastName: last,
      CompanyName: random.pick(COMPANIES),
      PhoneNumber: `+49${random.pick(['30', '40', '89', '221'])}${random.digits(7)}`,
      Mobile2: random.chance(0.5) ? `+4917${random.digits(8)}` : null,
      Business: null,
      Business2: null,
      Home: null,
      Email: `contact${i + 1}@customer.example`,
      ContactType: '3CX',
      Department: null,
      Title: null,
    };
  });

  return {
    users,
    ringGroups,
    queues,
    trunks,
    contacts,
    voicemailNumber: '999',
    fqdn: options.fqdn,
    version: '20.0.10.312',
    nextId,
  };
}

export function makeUser(
  nextId: () => number,
  number: string,
  first: string,
  last: string,
  random: Random,
): SimUser {
  const registered = random.chance(0.85);
  return {
    Id: nextId(),
    Number: number,
    FirstName: first,
    LastName: last,
    DisplayName: `${first} ${last}`,
    EmailAddress: `${number.toLowerCase()}@company.example`,
    Mobile: `+4917${random.digits(8)}`,
    CurrentProfileName: random.chance(0.8) ? 'Available' : random.pick(PROFILE_NAMES),
    IsRegistered: registered,
    QueueStatus: random.chance(0.7) ? 'LoggedIn' : 'LoggedOut',
    Enabled: true,
    VMEnabled: random.chance(0.9),
    Internal: false,
    OutboundCallerID: '',
    Tags: [],
    Groups: [],
    ForwardingProfiles: makeProfiles(nextId),
  };
}

function pickDistinct<T>(random: Random, items: readonly T[], count: number): T[] {
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(random.int(0, items.length - 1));
  return [...chosen].sort((a, b) => a - b).map((i) => items[i]!);
}
