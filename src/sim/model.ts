// The simulated PBX's directory: users, ring groups, queues, trunks, contacts and system facts, in 3CX's field names.

export interface ForwardingProfile {
  Id: number;
  Name: string;
  CustomName: string | null;
  AcceptMultipleCalls: boolean;
  BlockPushCalls: boolean;
  DisableRingGroupCalls: boolean;
  NoAnswerTimeout: number;
  RingMyMobile: boolean;
}

export interface SimUser {
  Id: number;
  Number: string;
  FirstName: string;
  LastName: string;
  DisplayName: string;
  EmailAddress: string;
  Mobile: string;
  CurrentProfileName: string;
  IsRegistered: boolean;
  QueueStatus: 'LoggedIn' | 'LoggedOut';
  Enabled: boolean;
  VMEnabled: boolean;
  Internal: boolean;
  OutboundCallerID: string;
  Tags: unknown[];
  Groups: unknown[];
  ForwardingProfiles: ForwardingProfile[];
}

export interface Member {
  Id: number;
  Number: string;
  Name: string;
  Tags: unknown[];
}

export interface SimRingGroup {
  Id: number;
  Number: string;
  Name: string;
  RingStrategy: 'Hunt' | 'RingAll' | 'Paging';
  RingTime: number;
  IsRegistered: boolean;
  Groups: unknown[];
  Members: Member[];
}

export interface QueueAgent extends Member {
  SkillGroup: string;
}

export interface SimQueue {
  Id: number;
  Number: string;
  Name: string;
  PollingStrategy: string;
  RingTimeout: number;
  MasterTimeout: number;
  MaxCallersInQueue: number;
  SLATime: number;
  WrapUpTime: number;
  AnnouncementInterval: number;
  IsRegistered: boolean;
  Groups: unknown[];
  Agents: QueueAgent[];
}

export interface SimTrunk {
  Id: number;
  Number: string;
  IsOnline: boolean;
  ExternalNumber: string;
  SimultaneousCalls: number;
  DidNumbers: string[];
  Direction: 'Both';
  EnableInboundCalls: boolean;
  EnableOutboundCalls: boolean;
  Gateway: { Id: number; Name: string; Host: string; Port: number; Type: 'Provider'; Internal: boolean };
  Groups: unknown[];
  Tags: unknown[];
  /** Simulator-only: inbound calls on this trunk show the DID, not the caller, in ActiveCalls (3cx-xapi.md §7.1). */
  showsDidInActiveCalls: boolean;
}

export interface SimContact {
  Id: number;
  FirstName: string;
  LastName: string;
  CompanyName: string;
  PhoneNumber: string;
  Mobile2: string | null;
  Business: string | null;
  Business2: string | null;
  Home: string | null;
  Email: string;
  ContactType: '3CX';
  Department: string | null;
  Title: string | null;
}

export interface ModelOptions {
  extensions: number;
  ringGroups: number;
  queues: number;
  trunks: number;
  seed: number;
  fqdn: string;
}

export interface PbxModel {
  users: SimUser[];
  ringGroups: SimRingGroup[];
  queues: SimQueue[];
  trunks: SimTrunk[];
  contacts: SimContact[];
  voicemailNumber: string;
  fqdn: string;
  version: string;
  nextId: () => number;
}

export const PROFILE_NAMES = ['Available', 'Away', 'Out of office', 'Custom 1', 'Custom 2'] as const;
export const MAX_EXTENSIONS = 10_000;
export const MAX_GROUPS = 89;

/** "101 Anna Berg": how 3CX writes a DN in ActiveCalls. */
export function dnLabel(number: string, name: string): string {
  return name ? `${number} ${name}` : number;
}
