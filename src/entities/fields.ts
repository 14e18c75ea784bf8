// The shape of the entity registry: an entity kind's fields (with their Home Assistant platform and options), typed
// against the kind's payload so that a field can only name a key the payload builder writes.
import type { JsonValue } from '../domain/json.ts';
import type { CommandName, EventName } from './commands.ts';
import type { EntityKind } from './kinds.ts';

export type { EntityKind };

export type Platform = 'sensor' | 'binary_sensor' | 'select' | 'button' | 'text' | 'event';
export type EntityPayload = Record<string, JsonValue>;

interface FieldCommon {
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
  /** Entities that must show a PBX outage follow only the bridge's availability. */
  bridgeAvailabilityOnly?: boolean;
  /** Text that may be null: the template renders an empty state instead of "None". */
  nullable?: boolean;
  /** Only when sip.enabled (alarm calls, registration). */
  requiresSip?: boolean;
}

/** A field shown from the entity's payload; with `command`, it can also be set (a select). */
export interface StateField<P> extends FieldCommon {
  source?: 'state';
  key: Extract<keyof P, string>;
  command?: CommandName;
}

/** A field shown from `<b>/pbx/availability`. */
export interface AvailabilityField extends FieldCommon {
  source: 'availability';
  key: string;
}

/** An HA `event` entity fed by an event topic. */
export interface EventField extends FieldCommon {
  source: 'event';
  key: string;
  event: EventName;
}

/** A command-only entity (no state topic): a `text` for dialling, a `button` sending `payloadPress`. */
export interface CommandField extends FieldCommon {
  source: 'command';
  key: string;
  command: CommandName;
  payloadPress?: string;
}

export type FieldDefinition<P = EntityPayload> =
  StateField<P> | AvailabilityField | EventField | CommandField;

/** One entity kind, declared once: everything that publishes, subscribes, discovers or documents it reads this. */
export interface KindDefinition<P = EntityPayload> {
  kind: EntityKind;
  /** Section title on the dashboard and in the docs. */
  title: string;
  /** "one device per …" in the docs. */
  noun: string;
  /** The HA device model. */
  model: string;
  /** The key in /api/state, and in `entities:` of the configuration for the polled kinds. */
  stateKey: string;
  fields: readonly FieldDefinition<P>[];
}

export function defineKind<P>(definition: KindDefinition<P>): KindDefinition<P> {
  return definition;
}
