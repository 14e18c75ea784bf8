// The PBX entity (`<b>/pbx`, one HA device): system fields from the polls, call fields from the call service, and
// the SIP line's fields; declared with its Home Assistant fields.
import type { SipFields } from '../domain/alarm.ts';
import type { CallFields } from '../domain/call.ts';
import type { PbxSnapshot } from '../domain/types.ts';
import { defineKind } from './fields.ts';

/** Where call events come from: the Call Control websocket, polling in its place, or polling by configuration. */
export type RealtimeState = 'live' | 'polling' | 'off';

export type PbxSystemFields = {
  system_status: 'ONLINE' | 'OFFLINE';
  version: string | null;
  fqdn: string | null;
  trunk_status: string | null;
  trunks_online: number | null;
  trunks_total: number | null;
  realtime: RealtimeState;
};

/** Call fields are absent until calls are tracked (directory and trunks known), SIP fields when SIP is off. */
export type PbxPayload = PbxSystemFields & { active_calls: number | null } & Partial<
    Omit<CallFields, 'active_calls'>
  > &
  Partial<SipFields>;

export function pbxSystemFields(snapshot: PbxSnapshot, realtime: RealtimeState): PbxSystemFields {
  const trunks = snapshot.trunks ?? [];
  const online = trunks.filter((t) => t.online).length;
  return {
    system_status: snapshot.reachable ? 'ONLINE' : 'OFFLINE',
    version: snapshot.system?.version ?? null,
    fqdn: snapshot.system?.fqdn ?? null,
    trunk_status: snapshot.trunks ? `${online}/${trunks.length} online` : null,
    trunks_online: snapshot.trunks ? online : null,
    trunks_total: snapshot.trunks ? trunks.length : null,
    realtime,
  };
}

/** `<b>/pbx`: `active_calls` right after the system fields, then the call fields, dependencies first. */
export function pbxPayload(
  system: PbxSystemFields,
  calls: CallFields | undefined,
  sip: SipFields | undefined,
): PbxPayload {
  if (!calls) return { ...system, active_calls: null, ...sip };
  const { active_calls, ...rest } = calls;
  return { ...system, active_calls, ...rest, ...sip };
}

export const PBX = defineKind<PbxPayload>({
  kind: 'pbx',
  title: 'PBX',
  noun: 'PBX',
  model: 'Phone System V20',
  stateKey: 'pbx',
  fields: [
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
      source: 'availability',
      key: 'reachable',
      platform: 'binary_sensor',
      name: 'PBX reachable',
      description: 'whether the gateway reaches the PBX (from pbx/availability)',
      deviceClass: 'connectivity',
      entityCategory: 'diagnostic',
      bridgeAvailabilityOnly: true,
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
      source: 'event',
      key: 'call',
      event: 'call',
      platform: 'event',
      name: 'Call',
      description:
        'every call event (ringing, answered, ended, missed, voicemail; updated when a caller is found late) with the call object',
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
      source: 'event',
      key: 'alarm_call',
      event: 'alarm_call',
      platform: 'event',
      name: 'Alarm call',
      description: 'alarm call progress: dialing, ringing, answered, digit, next, result',
      icon: 'mdi:alarm-light',
      requiresSip: true,
    },
    {
      source: 'command',
      key: 'alarm_towing',
      command: 'alarm_call',
      payloadPress: 'towing',
      platform: 'button',
      name: 'Alarm call: towing',
      description: 'starts a towing alarm call',
      icon: 'mdi:tow-truck',
      requiresSip: true,
    },
    {
      source: 'command',
      key: 'alarm_unplug',
      command: 'alarm_call',
      payloadPress: 'unplug',
      platform: 'button',
      name: 'Alarm call: unplugged',
      description: 'starts an unplug alarm call',
      icon: 'mdi:power-plug-off',
      requiresSip: true,
    },
    {
      source: 'command',
      key: 'alarm_generic',
      command: 'alarm_call',
      payloadPress: 'generic',
      platform: 'button',
      name: 'Alarm call',
      description: 'starts a generic alarm call',
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
      key: 'realtime',
      platform: 'sensor',
      name: 'Call events',
      description:
        'live: from the Call Control websocket; polling: polled while it is unavailable; off: polled by pbx.realtime',
      deviceClass: 'enum',
      options: ['live', 'polling', 'off'],
      entityCategory: 'diagnostic',
      icon: 'mdi:lightning-bolt',
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
});
