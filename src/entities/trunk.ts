// The trunk entity (`<b>/trunk/<number>`, keyed by the trunk's DN): payload builder and HA fields.
import type { Trunk } from '../domain/types.ts';
import { defineKind } from './fields.ts';

export type TrunkPayload = {
  number: string;
  name: string;
  online: boolean;
  external_number: string | null;
};

export function trunkPayload(trunk: Trunk): TrunkPayload {
  return {
    number: trunk.number,
    name: trunk.name,
    online: trunk.online,
    external_number: trunk.externalNumber,
  };
}

export const TRUNK = defineKind<TrunkPayload>({
  kind: 'trunk',
  title: 'Trunks',
  noun: 'trunk',
  model: 'Trunk',
  stateKey: 'trunks',
  fields: [
    {
      key: 'online',
      platform: 'binary_sensor',
      name: 'Online',
      description: 'the trunk is registered',
      deviceClass: 'connectivity',
    },
  ],
});
