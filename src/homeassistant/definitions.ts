// Declarative entity fields: each entity kind lists its fields once; discovery (and the docs) are derived from it.
import { EXTENSION_STATUSES } from '../domain/types.ts';

export type Platform = 'sensor' | 'binary_sensor' | 'select' | 'button' | 'text' | 'event';
export type DeviceKind = 'pbx' | 'extension' | 'ring_group' | 'queue' | 'trunk';

export interface FieldDefinition {
  /** The key in the entity's payload, the attribute topic's last level, and the component id. */
  key: string;
  platform: Platform;
  name: string;
  description: string;
  deviceClass?: string;
  stateClass?: 'measurement' | 'total' | 'total_increasing';
  unit?: string;
  entityCategory?: 'diagnostic';
  icon?: string;
  /** Fixed options of an enum sensor; selects take theirs from the entity (`optionsFrom`). */
  options?: readonly string[];
  optionsFrom?: 'profiles';
  /** Command name: subscribed at `<entity topic>/<command>/set`. */
  command?: string;
  /** Entities that must show a PBX outage follow only the bridge's availability. */
  bridgeAvailabilityOnly?: boolean;
  /** Read from `<b>/pbx/availability` instead of the entity payload. */
  fromPbxAvailability?: boolean;
  /** Text that may be null: the template renders an empty state instead of "None". */
  nullable?: boolean;
  /** An `event` entity fed by `<b>/event/call`. */
  eventTypes?: readonly string[];
  /** A command-only entity (no state topic): `text` for dialling, `button`s. */
  stateless?: boolean;
  /** Only when sip.enabled (alarm calls, registration). */
  requiresSip?: boolean;
  /** A fixed command topic below the base topic (buttons), with the payload a press sends. */
  commandTopic?: string;
  payloadPress?: string;
  /** Which event topic an `event` entity follows (default: event/call). */
  eventTopic?: 'call' | 'alarm_call';
}

export const FIELDS: Record<DeviceKind, readonly FieldDefinition[]> = {
  pbx: [
    {
      key: 'system_status',
      platform: 'sensor',
      name: 'System status',
      description: 'ONLINE while the PBX answers, OFFLINE during an outage',
      deviceClass: 'enum',
      options: ['ONLINE', 'OFFLINE'],
      icon: 'mdi:phone-classic',
      bridgeAvailabilityOnly: true,
    },
    {
      key: 'reachable',
      platform: 'binary_sensor',
      name: 'PBX reachable',
      description: 'whether the gateway reaches the PBX (from pbx/availability)',
      deviceClass: 'connectivity',
      entityCategory: 'diagnostic',
      bridgeAvailabilityOnly: true,
      fromPbxAvailability: true,
    },
    {
      key: 'call_state',
      platform: 'sensor',
      name: 'Call state',
      description:
        'ringing if an inbound call is unanswered, else active if any call is connected, else outgoing, else idle',
      deviceClass: 'enum',
      options: ['idle', 'ringing', 'active', 'outgoing'],
      icon: 'mdi:phone-ring',
    },
    {
      key: 'call',
      platform: 'event',
      name: 'Call',
      description: 'every call event (ringing, answered, ended, missed, voicemail) with the call object',
      eventTypes: ['ringing', 'answered', 'ended', 'missed', 'voicemail'],
      icon: 'mdi:phone-log',
    },
    {
      key: 'caller_number',
      platform: 'sensor',
      name: 'Caller number',
      description: 'caller of the latest call',
      nullable: true,
      icon: 'mdi:phone-incoming',
    },
    {
      key: 'caller_name',
      platform: 'sensor',
      name: 'Caller name',
      description: 'caller name (phonebook or extension)',
      nullable: true,
      icon: 'mdi:account',
    },
    {
      key: 'missed_count',
      platform: 'sensor',
      name: 'Missed calls today',
      description: 'missed calls since local midnight',
      stateClass: 'total_increasing',
      unit: 'calls',
      icon: 'mdi:phone-missed',
    },
    {
      key: 'total_calls',
      platform: 'sensor',
      name: 'Calls today',
      description: 'calls since local midnight',
      stateClass: 'total_increasing',
      unit: 'calls',
      icon: 'mdi:phone',
    },
    {
      key: 'calls_lifetime',
      platform: 'sensor',
      name: 'Calls (lifetime)',
      description: 'never resets: for utility meters',
      stateClass: 'total_increasing',
      unit: 'calls',
      entityCategory: 'diagnostic',
      icon: 'mdi:counter',
    },
    {
      key: 'last_missed_caller',
      platform: 'sensor',
      name: 'Last missed caller',
      description: 'number of the latest missed call',
      nullable: true,
      icon: 'mdi:phone-missed',
    },
    {
      key: 'sip_registered',
      platform: 'binary_sensor',
      name: 'SIP registered',
      description: "baresip's account is registered at the PBX",
      deviceClass: 'connectivity',
      entityCategory: 'diagnostic',
      requiresSip: true,
    },
    {
      key: 'alarm_call_result',
      platform: 'sensor',
      name: 'Alarm call result',
      description: 'IN_PROGRESS, then CONFIRMED, NO_ANSWER or FAILED',
      deviceClass: 'enum',
      options: ['IN_PROGRESS', 'CONFIRMED', 'NO_ANSWER', 'FAILED'],
      icon: 'mdi:alarm-light',
      requiresSip: true,
    },
    {
      key: 'alarm_call',
      platform: 'event',
      name: 'Alarm call',
      description: 'alarm call progress: dialing, ringing, answered, digit, next, result',
      eventTypes: ['dialing', 'ringing', 'answered', 'digit', 'next', 'result'],
      eventTopic: 'alarm_call',
      icon: 'mdi:alarm-light',
      requiresSip: true,
    },
    {
      key: 'alarm_towing',
      platform: 'button',
      name: 'Alarm call: towing',
      description: 'starts a towing alarm call',
      stateless: true,
      commandTopic: 'pbx/alarm_call/set',
      payloadPress: 'towing',
      icon: 'mdi:tow-truck',
      requiresSip: true,
    },
    {
      key: 'alarm_unplug',
      platform: 'button',
      name: 'Alarm call: unplugged',
      description: 'starts an unplug alarm call',
      stateless: true,
      commandTopic: 'pbx/alarm_call/set',
      payloadPress: 'unplug',
      icon: 'mdi:power-plug-off',
      requiresSip: true,
    },
    {
      key: 'alarm_generic',
      platform: 'button',
      name: 'Alarm call',
      description: 'starts a generic alarm call',
      stateless: true,
      commandTopic: 'pbx/alarm_call/set',
      payloadPress: 'generic',
      icon: 'mdi:phone-alert',
      requiresSip: true,
    },
    {
      key: 'active_calls',
      platform: 'sensor',
      name: 'Active calls',
      description: 'calls in progress',
      stateClass: 'measurement',
      icon: 'mdi:phone-in-talk',
    },
    {
      key: 'trunks_online',
      platform: 'sensor',
      name: 'Trunks online',
      description: 'trunks registered',
      stateClass: 'measurement',
      icon: 'mdi:phone-outgoing',
    },
    {
      key: 'trunk_status',
      platform: 'sensor',
      name: 'Trunk status',
      description: '"n/m online"',
      entityCategory: 'diagnostic',
      icon: 'mdi:phone-outgoing',
    },
    {
      key: 'version',
      platform: 'sensor',
      name: 'Version',
      description: '3CX version',
      entityCategory: 'diagnostic',
      icon: 'mdi:information-outline',
    },
  ],
  extension: [
    {
      key: 'status',
      platform: 'sensor',
      name: 'Status',
      description: 'idle, ringing, dialing, talking or offline',
      deviceClass: 'enum',
      options: EXTENSION_STATUSES,
      icon: 'mdi:phone',
    },
    {
      key: 'presence',
      platform: 'select',
      name: 'Presence',
      description: 'the active presence profile; settable',
      optionsFrom: 'profiles',
      command: 'presence',
      icon: 'mdi:account-clock',
    },
    {
      key: 'registered',
      platform: 'binary_sensor',
      name: 'Registered',
      description: 'a phone or app is registered',
      deviceClass: 'connectivity',
    },
    {
      key: 'dial',
      platform: 'text',
      name: 'Dial',
      description:
        'click-to-call: rings the extension, then dials the number written here (commands.allowed_numbers applies)',
      command: 'dial',
      stateless: true,
      icon: 'mdi:phone-dial',
    },
    {
      key: 'queue_status',
      platform: 'sensor',
      name: 'Queue status',
      description: 'LoggedIn or LoggedOut (all queues)',
      deviceClass: 'enum',
      options: ['LoggedIn', 'LoggedOut'],
      entityCategory: 'diagnostic',
    },
  ],
  ring_group: [
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
    {
      key: 'registered',
      platform: 'binary_sensor',
      name: 'Registered',
      description: 'registered at the PBX',
      deviceClass: 'connectivity',
      entityCategory: 'diagnostic',
    },
  ],
  queue: [
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
    {
      key: 'registered',
      platform: 'binary_sensor',
      name: 'Registered',
      description: 'registered at the PBX',
      deviceClass: 'connectivity',
      entityCategory: 'diagnostic',
    },
  ],
  trunk: [
    {
      key: 'online',
      platform: 'binary_sensor',
      name: 'Online',
      description: 'the trunk is registered',
      deviceClass: 'connectivity',
    },
  ],
};

export const DEVICE_MODELS: Record<DeviceKind, string> = {
  pbx: 'Phone System V20',
  extension: 'Extension',
  ring_group: 'Ring group',
  queue: 'Queue',
  trunk: 'Trunk',
};
