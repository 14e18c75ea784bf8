// The phones registered for an extension, as Call Control lists them and MakeCall names them.
import type { SimUser } from './model.ts';

export interface Device {
  dn: string;
  device_id: string;
  user_agent: string;
}

const USER_AGENTS = [
  'Yealink SIP-T54W 96.86.0.100',
  '3CX Android 20.0.411',
  'Fanvil X6U 0.13.1',
  'snom D785 10.1.141.13',
  '3CX for Windows 20.0.1060',
];

/** The SIP contact of an extension's one phone. */
export function deviceIdOf(number: string): string {
  return `sip:${number}@127.0.0.1:5062`;
}

/** A registered extension has one phone; an unregistered one none. */
export function devicesOf(user: SimUser): Device[] {
  if (!user.IsRegistered) return [];
  return [
    {
      dn: user.Number,
      device_id: deviceIdOf(user.Number),
      user_agent: USER_AGENTS[user.Id % USER_AGENTS.length]!,
    },
  ];
}
