// Discovery payloads as a view over the topic tree (pure): device mode (one config per device, `cmps`) or
// component mode (one config per entity).
import { redactUrl } from '../config/redact.ts';
import { EVENTS } from '../entities/commands.ts';
import type { EntityKind, FieldDefinition } from '../entities/fields.ts';
import { kindDefinition, POLLED_KINDS } from '../entities/registry.ts';
import type { OutputMode } from '../mqtt/output.ts';
import type { Topics } from '../mqtt/topics.ts';

export interface DiscoveryContext {
  prefix: string;
  mode: 'device' | 'component';
  pbxId: string;
  pbxUrl: string;
  output: OutputMode;
  topics: Topics;
  version: string;
  /** commands.allowed_numbers as one regex for `text` entities, when it can be written as one. */
  dialPattern?: string | null;
  sipEnabled?: boolean;
}

/** One device as discovery sees it: its kind, number and name, and what its fields need. */
export interface DiscoveredDevice {
  kind: EntityKind;
  number: string;
  name: string;
  profiles?: readonly string[];
  swVersion?: string | null;
}

type Json = Record<string, unknown>;

/** Letters, digits, _ and - only: what HA allows in discovery topic levels and ids. */
export function idSegment(value: string): string {
  return value.replace(/[^a-zA-Z0-9_-]/g, '_');
}

export function nodeId(pbxId: string): string {
  return `3cx2mqtt_${idSegment(pbxId)}`;
}

function deviceObjectId(ctx: DiscoveryContext, device: DiscoveredDevice): string {
  return device.kind === 'pbx'
    ? `${nodeId(ctx.pbxId)}_pbx`
    : `${nodeId(ctx.pbxId)}_${device.kind}_${idSegment(device.number)}`;
}

function entityTopic(ctx: DiscoveryContext, device: DiscoveredDevice): string {
  return ctx.topics.entity(device.kind, device.number);
}

function devicePayload(ctx: DiscoveryContext, device: DiscoveredDevice): Json {
  const hub = nodeId(ctx.pbxId);
  if (device.kind === 'pbx') {
    return {
      identifiers: [hub],
      name: `3CX ${device.name}`,
      manufacturer: '3CX',
      model: kindDefinition('pbx').model,
      ...(device.swVersion ? { sw_version: device.swVersion } : {}),
      configuration_url: redactUrl(ctx.pbxUrl),
    };
  }
  return {
    identifiers: [deviceObjectId(ctx, device)],
    name: device.name ? `${device.number} ${device.name}` : device.number,
    manufacturer: '3CX',
    model: kindDefinition(device.kind).model,
    via_device: hub,
  };
}

function availability(ctx: DiscoveryContext, bridgeOnly: boolean): Json {
  const list = [{ topic: ctx.topics.bridgeState }];
  if (!bridgeOnly) list.push({ topic: ctx.topics.pbxAvailability });
  return { availability: list, availability_mode: 'all' };
}

function stateOptions(ctx: DiscoveryContext, device: DiscoveredDevice, field: FieldDefinition): Json {
  if (field.source === 'command') return {};
  if (field.source === 'availability') {
    return { state_topic: ctx.topics.pbxAvailability, payload_on: 'online', payload_off: 'offline' };
  }
  if (field.source === 'event') {
    return { state_topic: ctx.topics.event(field.event), event_types: [...EVENTS[field.event].types] };
  }
  const topic = entityTopic(ctx, device);
  // Attribute topics carry plain values, so openHAB needs no template (CONTRACT §4).
  if (ctx.output !== 'json') return { state_topic: ctx.topics.attribute(topic, field.key) };
  const value = `value_json.${field.key}`;
  const template =
    field.platform === 'binary_sensor'
      ? `{{ 'ON' if ${value} else 'OFF' }}`
      : field.nullable
        ? `{{ ${value} if ${value} is not none else '' }}`
        : `{{ ${value} }}`;
  return { state_topic: topic, value_template: template };
}

function componentPayload(ctx: DiscoveryContext, device: DiscoveredDevice, field: FieldDefinition): Json {
  const objectId = `${deviceObjectId(ctx, device)}_${field.key}`;
  const payload: Json = {
    unique_id: objectId,
    default_entity_id: `${field.platform}.${objectId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`,
    name: field.name,
    ...stateOptions(ctx, device, field),
  };
  if (field.platform === 'text') {
    payload.mode = 'text';
    payload.max = 32;
    if (ctx.dialPattern) payload.pattern = ctx.dialPattern;
  }
  if (field.deviceClass) payload.device_class = field.deviceClass;
  if (field.stateClass) payload.state_class = field.stateClass;
  if (field.unit) payload.unit_of_measurement = field.unit;
  if (field.entityCategory) payload.entity_category = field.entityCategory;
  if (field.icon) payload.icon = field.icon;
  if (field.options) payload.options = [...field.options];
  if (field.optionsFrom === 'profiles') payload.options = [...(device.profiles ?? [])];
  const command = field.source === 'command' || field.source === undefined ? field.command : undefined;
  if (command) {
    payload.command_topic = ctx.topics.command(command, device.number);
    if (field.source === 'command' && field.payloadPress) payload.payload_press = field.payloadPress;
  }
  return payload;
}

const ORIGIN = (ctx: DiscoveryContext) => ({ name: '3cx2mqtt', sw_version: ctx.version });

/** Every discovery message for these devices: topic -> JSON payload. */
export function discoveryMessages(
  ctx: DiscoveryContext,
  devices: readonly DiscoveredDevice[],
): Map<string, string> {
  const messages = new Map<string, string>();
  for (const device of devices) {
    const fields = kindDefinition(device.kind).fields.filter(
      (f) =>
        (f.optionsFrom !== 'profiles' || (device.profiles?.length ?? 0) > 0) &&
        (!f.requiresSip || ctx.sipEnabled === true),
    );
    const objectId = deviceObjectId(ctx, device);
    if (ctx.mode === 'device') {
      const components: Record<string, Json> = {};
      for (const field of fields) {
        components[field.key] = {
          platform: field.platform,
          ...componentPayload(ctx, device, field),
          ...(field.bridgeAvailabilityOnly ? availability(ctx, true) : {}),
        };
      }
      messages.set(
        `${ctx.prefix}/device/${objectId}/config`,
        JSON.stringify({
          device: devicePayload(ctx, device),
          origin: ORIGIN(ctx),
          ...availability(ctx, false),
          qos: 1,
          components,
        }),
      );
    } else {
      for (const field of fields) {
        messages.set(
          `${ctx.prefix}/${field.platform}/${nodeId(ctx.pbxId)}/${objectId.slice(nodeId(ctx.pbxId).length + 1)}_${field.key}/config`,
          JSON.stringify({
            ...componentPayload(ctx, device, field),
            device: devicePayload(ctx, device),
            origin: ORIGIN(ctx),
            ...availability(ctx, field.bridgeAvailabilityOnly === true),
            qos: 1,
          }),
        );
      }
    }
  }
  return messages;
}

/** Whether a retained discovery topic is one this gateway instance writes (in either mode). */
export function isOwnDiscoveryTopic(ctx: Pick<DiscoveryContext, 'prefix' | 'pbxId'>, topic: string): boolean {
  const node = nodeId(ctx.pbxId);
  const parts = topic.split('/');
  const prefixParts = ctx.prefix.split('/');
  if (parts.slice(0, prefixParts.length).join('/') !== ctx.prefix || parts[parts.length - 1] !== 'config')
    return false;
  const rest = parts.slice(prefixParts.length, -1);
  if (rest.length === 2 && rest[0] === 'device') {
    return new RegExp(`^${node}_(pbx|(${POLLED_KINDS.join('|')})_[A-Za-z0-9_-]+)$`).test(rest[1]!);
  }
  return rest.length === 3 && rest[1] === node;
}

/** The unique ids a discovery payload declares (either mode). */
export function uniqueIdsOf(payload: string): string[] {
  try {
    const parsed = JSON.parse(payload) as {
      unique_id?: unknown;
      components?: Record<string, { unique_id?: unknown }>;
    };
    const ids = [parsed.unique_id, ...Object.values(parsed.components ?? {}).map((c) => c.unique_id)];
    return ids.filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}

/** The availability topics a payload names: ours carry `<b>/bridge/state`. */
export function availabilityTopicsOf(payload: string): string[] {
  try {
    const parsed = JSON.parse(payload) as {
      availability?: { topic?: unknown }[];
      components?: Record<string, { availability?: { topic?: unknown }[] }>;
    };
    const lists = [
      parsed.availability ?? [],
      ...Object.values(parsed.components ?? {}).map((c) => c.availability ?? []),
    ];
    return lists
      .flat()
      .map((a) => a.topic)
      .filter((t): t is string => typeof t === 'string');
  } catch {
    return [];
  }
}
