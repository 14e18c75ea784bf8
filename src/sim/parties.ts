// What a number is on the simulated PBX (extension, ring group, queue or outside number), as a party of a call.
import { DN_TYPE, digitsOf, SimError, type Party } from './call-types.ts';
import type { PbxModel, SimUser } from './model.ts';

export function userByNumber(model: PbxModel, number: string): SimUser | undefined {
  return model.users.find((u) => u.Number === number && !u.Number.startsWith('HD'));
}

export function partyOf(model: PbxModel, number: string): Party {
  const user = userByNumber(model, number);
  if (user)
    return {
      dn: user.Number,
      type: DN_TYPE.extension,
      callerId: `Ext.${user.Number}`,
      name: user.DisplayName,
    };
  const group = model.ringGroups.find((g) => g.Number === number);
  if (group) return { dn: group.Number, type: DN_TYPE.ringGroup, callerId: group.Number, name: group.Name };
  const queue = model.queues.find((q) => q.Number === number);
  if (queue) return { dn: queue.Number, type: DN_TYPE.queue, callerId: queue.Number, name: queue.Name };
  if (!/^\+?[0-9*#]{1,20}$/.test(number)) throw new SimError(400, `not a number: ${number}`);
  const contact = model.contacts.find((c) => digitsOf(c.PhoneNumber) === digitsOf(number));
  const e164 = number.startsWith('+') ? number : number.length > 6 ? `+${number}` : number;
  return {
    dn: number,
    type: DN_TYPE.external,
    callerId: e164,
    name: contact ? `${contact.FirstName} ${contact.LastName}` : '',
  };
}
