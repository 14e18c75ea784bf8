// The extension entity (`<b>/extension/<number>`, one HA device each): payload builder and Home Assistant fields.
import type { Extension, ExtensionStatus } from '../domain/types.ts';
import { EXTENSION_STATUSES } from '../domain/types.ts';
import { defineKind } from './fields.ts';

export type ExtensionPayload = {
  number: string;
  name: string;
  status: ExtensionStatus;
  presence: string | null;
  registered: boolean;
  queue_status: 'LoggedIn' | 'LoggedOut' | null;
  first_name: string;
  last_name: string;
};

export function extensionPayload(extension: Extension, status: ExtensionStatus): ExtensionPayload {
  return {
    number: extension.number,
    name: extension.name,
    status,
    presence: extension.presence,
    registered: extension.registered,
    queue_status: extension.queueStatus,
    first_name: extension.firstName,
    last_name: extension.lastName,
  };
}

export const EXTENSION = defineKind<ExtensionPayload>({
  kind: 'extension',
  title: 'Extensions',
  noun: 'extension',
  model: 'Extension',
  stateKey: 'extensions',
  fields: [
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
      source: 'command',
      key: 'dial',
      command: 'dial',
      platform: 'text',
      name: 'Dial',
      description:
        'click-to-call: rings the extension, then dials the number written here (commands.allowed_numbers applies)',
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
});
