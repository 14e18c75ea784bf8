// Builds the payload objects of CONTRACT §3 from a snapshot: pure, snake_case, null for absent values.
import { partyDn } from './dn.ts';
import type {
  ActiveCall,
  Extension,
  ExtensionStatus,
  PbxSnapshot,
  Queue,
  RingGroup,
  Trunk,
} from './types.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type EntityPayload = Record<string, JsonValue>;

const RINGING = new Set(['Ringing']);
const CONNECTED = new Set(['Talking', 'Held', 'Transferring', 'Rerouting']);
const SETTING_UP = new Set(['Routing', 'Initiating', 'Ringing', 'Dialing']);

/** An extension's part in the active calls: talking beats ringing beats dialing. */
export function extensionStatus(extension: Extension, calls: readonly ActiveCall[]): ExtensionStatus {
  let status: ExtensionStatus = extension.registered ? 'idle' : 'offline';
  let rank = 0;
  const consider = (candidate: ExtensionStatus, candidateRank: number) => {
    if (candidateRank > rank) [status, rank] = [candidate, candidateRank];
  };
  for (const call of calls) {
    const isCallee = partyDn(call.callee) === extension.number && !/^VoiceMail of/i.test(call.callee);
    const isCaller = partyDn(call.caller) === extension.number;
    if ((isCallee || isCaller) && CONNECTED.has(call.status)) consider('talking', 3);
    else if (isCallee && RINGING.has(call.status)) consider('ringing', 2);
    else if (isCaller && SETTING_UP.has(call.status)) consider('dialing', 1);
  }
  return status;
}

export function extensionPayload(extension: Extension, calls: readonly ActiveCall[]): EntityPayload {
  return {
    number: extension.number,
    name: extension.name,
    status: extensionStatus(extension, calls),
    presence: extension.presence,
    registered: extension.registered,
    queue_status: extension.queueStatus,
    first_name: extension.firstName,
    last_name: extension.lastName,
  };
}

const members = (list: readonly { number: string; name: string }[]): JsonValue[] =>
  list.map((m) => ({ number: m.number, name: m.name }));

export function ringGroupPayload(group: RingGroup): EntityPayload {
  return {
    number: group.number,
    name: group.name,
    strategy: group.strategy,
    members: members(group.members),
    member_count: group.members.length,
    registered: group.registered,
  };
}

/**
 * Callers waiting in a queue: calls whose callee is still the queue's DN. 3CX reports them as Ringing, Routing or
 * Talking (hold music) depending on build (3cx-xapi.md §3.4); once an agent answers the callee becomes the agent.
 */
export function waitingCallers(queue: Queue, calls: readonly ActiveCall[]): number {
  return calls.filter((call) => partyDn(call.callee) === queue.number).length;
}

export function queuePayload(queue: Queue, calls: readonly ActiveCall[]): EntityPayload {
  return {
    number: queue.number,
    name: queue.name,
    strategy: queue.strategy,
    agents: members(queue.agents),
    agent_count: queue.agents.length,
    waiting_callers: waitingCallers(queue, calls),
    registered: queue.registered,
  };
}

export function trunkPayload(trunk: Trunk): EntityPayload {
  return {
    number: trunk.number,
    name: trunk.name,
    online: trunk.online,
    external_number: trunk.externalNumber,
  };
}

/** The system fields of `<b>/pbx` (call fields join with the call tracker). */
export function pbxPayload(snapshot: PbxSnapshot): EntityPayload {
  const trunks = snapshot.trunks ?? [];
  const online = trunks.filter((t) => t.online).length;
  return {
    system_status: snapshot.reachable ? 'ONLINE' : 'OFFLINE',
    version: snapshot.system?.version ?? null,
    fqdn: snapshot.system?.fqdn ?? null,
    trunk_status: snapshot.trunks ? `${online}/${trunks.length} online` : null,
    trunks_online: snapshot.trunks ? online : null,
    trunks_total: snapshot.trunks ? trunks.length : null,
    active_calls: snapshot.activeCalls ? new Set(snapshot.activeCalls.map((c) => c.id)).size : null,
  };
}
