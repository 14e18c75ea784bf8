// What a number is on the simulated PBX (extension, ring group, queue or outside number), as a party of a call.
import { DN_TYPE, digitsOf, SimError, type Party } from './call-types.ts';
import type { PbxModel, SimUser } from './model.ts';

interface UserIndex {
  length: number;
  byNumber: Map<string, SimUser>;
}

/** Users by number, per model: lookups are on every call change, and a PBX can have 10,000 extensions. */
const indexes = new WeakMap<PbxModel, UserIndex>();

/** Drops the index after extensions were added or removed (it also rebuilds when the count changes). */
export function directoryChanged(model: PbxModel): void {
  indexes.delete(model);
}

/** An extension by number (hot-desking users are not extensions one can call). */
export function userByNumber(model: PbxModel, number: string): SimUser | undefined {
  let index = indexes.get(model);
  if (!index || index.length !== model.users.length) {
    index = { length: model.users.length, byNumber: new Map() };
    for (const user of model.users) if (!user.Number.startsWith('HD')) index.byNumber.set(user.Number, user);
    indexes.set(model, index);
  }
  return index.byNumber.get(number);
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
