// Domain values the gateway publishes, independent of 3CX's wire format and of MQTT.

export type ExtensionStatus = 'idle' | 'ringing' | 'dialing' | 'talking' | 'offline';
export const EXTENSION_STATUSES: readonly ExtensionStatus[] = [
  'idle',
  'ringing',
  'dialing',
  'talking',
  'offline',
];

export interface Extension {
  id: number;
  number: string;
  name: string;
  firstName: string;
  lastName: string;
  presence: string | null;
  registered: boolean;
  queueStatus: 'LoggedIn' | 'LoggedOut' | null;
  /** The presence profile names the PBX offers this user (select options). */
  profiles: string[];
}

export interface Member {
  number: string;
  name: string;
}

export interface RingGroup {
  id: number;
  number: string;
  name: string;
  strategy: string | null;
  registered: boolean;
  members: Member[];
}

export interface Queue {
  id: number;
  number: string;
  name: string;
  strategy: string | null;
  registered: boolean;
  agents: Member[];
}

export interface Trunk {
  id: number;
  number: string;
  name: string;
  online: boolean;
  externalNumber: string | null;
  /** DIDs routed over the trunk, bare digits. */
  dids: string[];
}

export interface SystemInfo {
  fqdn: string | null;
  version: string | null;
  callsActive: number | null;
}

export interface ActiveCall {
  id: number;
  caller: string;
  callee: string;
  status: string;
  establishedAt: string | null;
  lastChangeStatus: string | null;
  serverNow: string | null;
}

/** What the pollers know; a part is undefined until its first successful poll. */
export interface PbxSnapshot {
  extensions?: Extension[];
  ringGroups?: RingGroup[];
  queues?: Queue[];
  trunks?: Trunk[];
  system?: SystemInfo;
  activeCalls?: ActiveCall[];
  /** false after polling.failures_before_offline failed polls in a row, true again at the first success. */
  reachable: boolean;
}

/** Calls are tracked once the directory and trunks are known: direction comes from DN types. */
export function tracksCalls(snapshot: PbxSnapshot): boolean {
  return snapshot.extensions !== undefined && snapshot.trunks !== undefined;
}

/** Every part of the PBX has been read once (discovery may then clean up what it no longer produces). */
export function isComplete(snapshot: PbxSnapshot): boolean {
  const s = snapshot;
  return !!(s.extensions && s.ringGroups && s.queues && s.trunks && s.system);
}
