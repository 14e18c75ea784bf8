// One call as a source saw it at one moment, whichever source: an ActiveCalls row (polling) or the participants of
// one Call Control call. The call tracker consumes only these.
import { parseParty, type PartyText } from './dn.ts';
import type { ActiveCall } from './types.ts';

export interface CallObservation {
  /** The PBX call Id (ActiveCalls `Id`, Call Control `callid`). */
  id: number;
  caller: PartyText | undefined;
  callee: PartyText | undefined;
  /** In ActiveCalls' words: Routing, Initiating, Ringing, Talking, Held, Transferring, Rerouting. */
  status: string;
  establishedAt: string | null;
  lastChangeStatus: string | null;
  serverNow: string | null;
  /** The caller's number is the real one (Call Control's `party_caller_id`), never a trunk's DID. */
  callerIsReal: boolean;
}

export function observationOfRow(row: ActiveCall): CallObservation {
  return {
    id: row.id,
    caller: parseParty(row.caller),
    callee: parseParty(row.callee),
    status: row.status,
    establishedAt: row.establishedAt,
    lastChangeStatus: row.lastChangeStatus,
    serverNow: row.serverNow,
    callerIsReal: false,
  };
}

/** A party as one comparable string (folds a queue's next leg onto its call by the same caller). */
export function partyKey(party: PartyText | undefined): string {
  if (!party) return '';
  if (party.kind === 'router') return 'ROUTER';
  if (party.kind === 'voicemail') return `vm:${party.dn}`;
  return `${party.dn}|${party.number ?? ''}`;
}
