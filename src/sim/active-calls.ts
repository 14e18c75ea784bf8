// ActiveCalls rows as 3CX serves them: "101 Anna Berg", trunk legs with the DID or caller in parentheses, ROUTER.
import { isoUtc } from './clock.ts';
import { DN_TYPE, digitsOf, type ActiveStatus, type SimCall } from './call-types.ts';
import { dnLabel } from './model.ts';

export type ActiveCall = {
  Id: number;
  Caller: string;
  Callee: string;
  Status: ActiveStatus;
  EstablishedAt: string;
  LastChangeStatus: string;
  ServerNow: string;
};

function callerLabel(call: SimCall): string {
  if (call.direction !== 'inbound' || !call.trunk) return dnLabel(call.caller.dn, call.caller.name);
  const shown = call.showDid ? call.did! : digitsOf(call.caller.callerId);
  return `${call.trunk.Number} ${call.trunk.Gateway.Name} (${shown})`;
}

function calleeLabel(call: SimCall): string {
  const callee = call.callee;
  if (callee === 'ROUTER') return 'ROUTER';
  if (callee.type === DN_TYPE.voicemail) return callee.name;
  if (callee.type === DN_TYPE.external)
    return `${callee.dn} ${callee.name} (${digitsOf(call.externalNumber ?? '')})`;
  return dnLabel(callee.dn, callee.name);
}

/** One row, with the server's own clock in ServerNow. */
export function activeCallRow(call: SimCall, serverNow: string): ActiveCall {
  return {
    Id: call.id,
    Caller: callerLabel(call),
    Callee: calleeLabel(call),
    Status: call.status,
    EstablishedAt: isoUtc(call.establishedAt),
    LastChangeStatus: isoUtc(call.lastChangeStatus),
    ServerNow: serverNow,
  };
}
