// Call Control participants (3cx-xapi.md §5): the legs of a simulated call at internal DNs, in 3CX's field names.
// Derived from the same call state as ActiveCalls, so `callid` is the ActiveCalls Id and both views agree.
import { DN_TYPE, type Party, type SimCall } from '../call-types.ts';
import { deviceIdOf } from '../devices.ts';
import type { PbxModel } from '../model.ts';
import { partyOf, userByNumber } from '../parties.ts';

export type ParticipantStatus = 'Dialing' | 'Ringing' | 'Connected';
/** DN types as Call Control spells them; `Wringgroup` is the simulator's guess (not seen in any source). */
export type CallControlDnType =
  'Wextension' | 'Wqueue' | 'Wringgroup' | 'Wspecialmenu' | 'Wexternalline' | 'Wroutepoint' | 'None';

/** Exactly the fields 3cx-xapi.md §5 documents, in its order. */
export interface Participant {
  id: number;
  status: ParticipantStatus;
  dn: string;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_did: string;
  device_id: string;
  party_dn_type: CallControlDnType;
  direct_control: boolean;
  originated_by_dn: string;
  originated_by_type: CallControlDnType;
  referred_by_dn: string;
  referred_by_type: CallControlDnType;
  on_behalf_of_dn: string;
  on_behalf_of_type: CallControlDnType;
  callid: number;
  legid: number;
}

/** A participant before the registry has given it an id and a leg number; `key` is stable while the leg lasts. */
export type Leg = Omit<Participant, 'id' | 'legid'> & { key: string };

interface PartyView {
  dn: string;
  type: CallControlDnType;
  callerId: string;
  name: string;
  did: string;
}

interface DnRef {
  dn: string;
  type: CallControlDnType;
}

const NOBODY: DnRef = { dn: '', type: 'None' };
const ROUTER: DnRef = { dn: 'ROUTER', type: 'Wroutepoint' };

function typeOfParty(party: Party): CallControlDnType {
  switch (party.type) {
    case DN_TYPE.extension:
      return 'Wextension';
    case DN_TYPE.queue:
      return 'Wqueue';
    case DN_TYPE.ringGroup:
      return 'Wringgroup';
    case DN_TYPE.voicemail:
      return 'Wspecialmenu';
    default:
      return 'Wexternalline';
  }
}

/** The caller, as the legs at the called DNs see it: the real outside number, and the DID it came in on. */
function callerView(call: SimCall): PartyView {
  const caller = call.caller;
  if (call.direction === 'inbound' && call.trunk) {
    return {
      dn: call.trunk.Number,
      type: 'Wexternalline',
      callerId: caller.callerId,
      name: caller.name || caller.callerId,
      did: call.did ?? '',
    };
  }
  return { dn: caller.dn, type: 'Wextension', callerId: caller.dn, name: caller.name, did: '' };
}

/** The called party, as the caller's own leg sees it (the pending destination while the call routes). */
function calleeView(call: SimCall, model: PbxModel): PartyView | undefined {
  const target =
    call.callee !== 'ROUTER'
      ? call.callee
      : call.pendingTarget
        ? partyOf(model, call.pendingTarget)
        : undefined;
  if (!target) return undefined;
  if (target.type === DN_TYPE.external) {
    const number = call.externalNumber ?? target.callerId;
    return {
      dn: call.trunk?.Number ?? target.dn,
      type: 'Wexternalline',
      callerId: number,
      name: partyOf(model, number).name || number,
      did: '',
    };
  }
  if (target.type === DN_TYPE.voicemail) {
    const box = model.voicemailNumber;
    return { dn: box, type: 'Wspecialmenu', callerId: box, name: target.name, did: '' };
  }
  return { dn: target.dn, type: typeOfParty(target), callerId: target.dn, name: target.name, did: '' };
}

function deviceAt(model: PbxModel, dn: string): string {
  const user = userByNumber(model, dn);
  return user?.IsRegistered ? deviceIdOf(dn) : '';
}

function leg(
  key: string,
  call: SimCall,
  at: { dn: string; device: string; status: ParticipantStatus },
  party: PartyView | undefined,
  links: { origin: DnRef; referredBy: DnRef; onBehalfOf: DnRef },
): Leg {
  return {
    key,
    status: at.status,
    dn: at.dn,
    party_caller_name: party?.name ?? '',
    party_dn: party?.dn ?? '',
    party_caller_id: party?.callerId ?? '',
    party_did: party?.did ?? '',
    device_id: at.device,
    party_dn_type: party?.type ?? 'None',
    direct_control: false,
    originated_by_dn: links.origin.dn,
    originated_by_type: links.origin.type,
    referred_by_dn: links.referredBy.dn,
    referred_by_type: links.referredBy.type,
    on_behalf_of_dn: links.onBehalfOf.dn,
    on_behalf_of_type: links.onBehalfOf.type,
    callid: call.id,
  };
}

/**
 * The call's legs at internal DNs. The caller's own leg (extension callers) is Dialing until someone answers;
 * the called extension rings, then is Connected; a ring group rings every registered member; a waiting queue
 * caller is a Ringing leg of the queue; voicemail is a Connected leg of the voicemail DN for the mailbox owner.
 * Trunks and the route point hold no legs here (they are not monitored).
 */
export function legsOf(call: SimCall, model: PbxModel): Leg[] {
  const legs: Leg[] = [];
  const answered = call.firstAnsweredAt !== undefined || call.segment?.answeredAt !== undefined;
  if (call.caller.type === DN_TYPE.extension) {
    const at = {
      dn: call.caller.dn,
      device: deviceAt(model, call.caller.dn),
      status: answered ? 'Connected' : 'Dialing',
    } as const;
    legs.push(
      leg('caller', call, at, calleeView(call, model), {
        origin: NOBODY,
        referredBy: NOBODY,
        onBehalfOf: NOBODY,
      }),
    );
  }
  const callee = call.callee;
  if (callee === 'ROUTER') return legs;
  const from = callerView(call);
  const group: DnRef = call.group ? { dn: call.group.dn, type: typeOfParty(call.group) } : NOBODY;
  const origin: DnRef = call.group
    ? group
    : call.direction === 'inbound'
      ? ROUTER
      : { dn: call.caller.dn, type: 'Wextension' };
  const referredBy: DnRef = call.referredBy ? { dn: call.referredBy, type: 'Wextension' } : NOBODY;
  const calleeAnswered = call.segment?.answeredAt !== undefined;
  switch (callee.type) {
    case DN_TYPE.extension: {
      const at = {
        dn: callee.dn,
        device: deviceAt(model, callee.dn),
        status: calleeAnswered ? 'Connected' : 'Ringing',
      } as const;
      legs.push(leg(callee.dn, call, at, from, { origin, referredBy, onBehalfOf: group }));
      break;
    }
    case DN_TYPE.ringGroup: {
      const ringGroup: DnRef = { dn: callee.dn, type: 'Wringgroup' };
      const members = model.ringGroups.find((g) => g.Number === callee.dn)?.Members ?? [];
      for (const member of members) {
        if (member.Number === call.caller.dn || !userByNumber(model, member.Number)?.IsRegistered) continue;
        const at = { dn: member.Number, device: deviceIdOf(member.Number), status: 'Ringing' } as const;
        legs.push(
          leg(member.Number, call, at, from, { origin: ringGroup, referredBy, onBehalfOf: ringGroup }),
        );
      }
      break;
    }
    case DN_TYPE.queue: {
      const at = { dn: callee.dn, device: '', status: 'Ringing' } as const;
      legs.push(leg(callee.dn, call, at, from, { origin, referredBy, onBehalfOf: NOBODY }));
      break;
    }
    case DN_TYPE.voicemail: {
      const box = model.voicemailNumber;
      const owner: DnRef = { dn: callee.dn, type: 'Wextension' };
      legs.push(
        leg(box, call, { dn: box, device: '', status: 'Connected' }, from, {
          origin,
          referredBy,
          onBehalfOf: owner,
        }),
      );
      break;
    }
  }
  return legs;
}

/** The DN type of a DN that can hold participants (extensions, queues, the voicemail DN), else undefined. */
export function dnTypeOf(model: PbxModel, dn: string): CallControlDnType | undefined {
  if (userByNumber(model, dn)) return 'Wextension';
  if (model.queues.some((q) => q.Number === dn)) return 'Wqueue';
  if (dn === model.voicemailNumber) return 'Wspecialmenu';
  return undefined;
}
