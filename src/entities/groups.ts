// Ring groups and queues (`<b>/ring_group/<number>`, `<b>/queue/<number>`): payload builders and HA fields.
import type { Member, Queue, RingGroup } from '../domain/types.ts';
import { defineKind } from './fields.ts';

type MemberPayload = { number: string; name: string };

export type RingGroupPayload = {
  number: string;
  name: string;
  strategy: string | null;
  members: MemberPayload[];
  member_count: number;
  registered: boolean;
};

export type QueuePayload = {
  number: string;
  name: string;
  strategy: string | null;
  agents: MemberPayload[];
  agent_count: number;
  waiting_callers: number;
  registered: boolean;
};

const members = (list: readonly Member[]): MemberPayload[] =>
  list.map((m) => ({ number: m.number, name: m.name }));

export function ringGroupPayload(group: RingGroup): RingGroupPayload {
  return {
    number: group.number,
    name: group.name,
    strategy: group.strategy,
    members: members(group.members),
    member_count: group.members.length,
    registered: group.registered,
  };
}

export function queuePayload(queue: Queue, waitingCallers: number): QueuePayload {
  return {
    number: queue.number,
    name: queue.name,
    strategy: queue.strategy,
    agents: members(queue.agents),
    agent_count: queue.agents.length,
    waiting_callers: waitingCallers,
    registered: queue.registered,
  };
}

const registered = {
  key: 'registered',
  platform: 'binary_sensor',
  name: 'Registered',
  description: 'registered at the PBX',
  deviceClass: 'connectivity',
  entityCategory: 'diagnostic',
} as const;

export const RING_GROUP = defineKind<RingGroupPayload>({
  kind: 'ring_group',
  title: 'Ring groups',
  noun: 'ring group',
  model: 'Ring group',
  stateKey: 'ring_groups',
  fields: [
    {
      key: 'member_count',
      platform: 'sensor',
      name: 'Members',
      description: 'number of members',
      stateClass: 'measurement',
      icon: 'mdi:account-group',
    },
    {
      key: 'strategy',
      platform: 'sensor',
      name: 'Strategy',
      description: 'ring strategy',
      entityCategory: 'diagnostic',
    },
    registered,
  ],
});

export const QUEUE = defineKind<QueuePayload>({
  kind: 'queue',
  title: 'Queues',
  noun: 'queue',
  model: 'Queue',
  stateKey: 'queues',
  fields: [
    {
      key: 'waiting_callers',
      platform: 'sensor',
      name: 'Waiting callers',
      description: 'callers not yet connected to an agent',
      stateClass: 'measurement',
      icon: 'mdi:phone-clock',
    },
    {
      key: 'agent_count',
      platform: 'sensor',
      name: 'Agents',
      description: 'number of agents',
      stateClass: 'measurement',
      icon: 'mdi:face-agent',
    },
    {
      key: 'strategy',
      platform: 'sensor',
      name: 'Strategy',
      description: 'polling strategy',
      entityCategory: 'diagnostic',
    },
    registered,
  ],
});
