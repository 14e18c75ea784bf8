// The kinds of entity the gateway publishes: each has a device in Home Assistant and a topic per entity.
export type EntityKind = 'pbx' | 'extension' | 'ring_group' | 'queue' | 'trunk';
