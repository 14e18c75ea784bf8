// The entity registry: every kind the gateway publishes, in publishing order. Topics, command subscriptions,
// discovery, the API's sections and docs/topics.md all read this one table.
import { EXTENSION } from './extension.ts';
import type { EntityKind, KindDefinition } from './fields.ts';
import { QUEUE, RING_GROUP } from './groups.ts';
import { PBX } from './pbx.ts';
import { TRUNK } from './trunk.ts';

export const ENTITY_KINDS = {
  pbx: PBX,
  extension: EXTENSION,
  ring_group: RING_GROUP,
  queue: QUEUE,
  trunk: TRUNK,
} as const satisfies Record<EntityKind, KindDefinition<never>>;

/** The kinds read from the PBX's directory and trunk lists (one entity per DN; `entities.*` filters them). */
export const POLLED_KINDS = ['extension', 'ring_group', 'queue', 'trunk'] as const;
export type PolledKind = (typeof POLLED_KINDS)[number];

export function kindDefinition(kind: EntityKind): KindDefinition {
  return ENTITY_KINDS[kind] as unknown as KindDefinition;
}
