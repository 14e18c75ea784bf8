// Every command topic and event topic, declared once: the subscriptions, the command answers, HA discovery and
// docs/topics.md derive from these tables.
import { ALARM_EVENT_TYPES } from '../domain/alarm.ts';
import { CALL_EVENT_TYPES } from '../domain/call.ts';
import type { EntityKind } from './kinds.ts';

interface CommandDefinition {
  /** Below this entity's topic (`<entity topic>/<name>/set`), or at a fixed path below the base topic. */
  at: { entity: EntityKind } | { path: string };
  payload: string;
  effect: string;
}

const below = (entity: EntityKind, payload: string, effect: string) => ({ at: { entity }, payload, effect });

export const COMMANDS = {
  presence: below(
    'extension',
    'a profile name as the PBX names them (`Available`, `Away`, `Out of office`, ...)',
    "changes the extension's presence through the xAPI",
  ),
  dial: below(
    'extension',
    'a destination number',
    'click-to-call through the PBX (`Users/Pbx.MakeCall`): rings the extension, then dials',
  ),
  drop: {
    at: { path: 'calls' },
    payload: 'a call `id` (or one of its `pbx_call_ids`)',
    effect: 'drops that call through the xAPI',
  },
  make_call: below(
    'pbx',
    'a number, or `{"number": "200", "duration": 20}`',
    'rings the number through baresip for `sip.make_call_duration`; result `RANG`|`ANSWERED`|`FAILED`',
  ),
  alarm_call: below(
    'pbx',
    '`towing` | `unplug` | `generic`, or `{"type": "towing", "numbers": [...]}`',
    'runs the alarm call; progress on `<b>/event/alarm_call`, final result in `<b>/pbx`',
  ),
} as const satisfies Record<string, CommandDefinition>;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

interface EventDefinition {
  path: string;
  types: readonly string[];
  payload: string;
}

export const EVENTS = {
  call: {
    path: 'event/call',
    types: CALL_EVENT_TYPES,
    payload: '`{"event_type": ..., "call": {...}}` with the call object',
  },
  alarm_call: {
    path: 'event/alarm_call',
    types: ALARM_EVENT_TYPES,
    payload: '`{"event_type": ..., "type", "number", "result"?, "digit"?}`',
  },
} as const satisfies Record<string, EventDefinition>;

export type EventName = keyof typeof EVENTS;

/** The answer to every command, on `<b>/bridge/response`. */
export interface CommandResponse {
  command: CommandName;
  ok: boolean;
  result?: unknown;
  error?: string;
  transaction?: string | number;
}
