// Entity payloads as retained messages, in the output modes of CONTRACT §3 (json | attribute | attribute_and_json).
import type { JsonValue } from '../domain/json.ts';
import type { EntityPayload } from '../entities/fields.ts';

export type OutputMode = 'json' | 'attribute' | 'attribute_and_json';

/** Plain-string form of one attribute: ON/OFF, numbers as text, "" for null, lists as "101 Anna Berg, 102 Tom". */
export function attributeText(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  if (Array.isArray(value)) {
    return value
      .map((item) =>
        item && typeof item === 'object' && !Array.isArray(item)
          ? [item.number, item.name]
              .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
              .filter((v) => v !== '')
              .join(' ')
          : attributeText(item),
      )
      .join(', ');
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The retained messages for one entity, in publishing order. Attributes come before the JSON object so that a rule
 * triggered by the object finds every attribute current; keys listed first in the payload are published first.
 */
export function entityMessages(topic: string, payload: EntityPayload, mode: OutputMode): [string, string][] {
  const messages: [string, string][] = [];
  if (mode !== 'json') {
    for (const [key, value] of Object.entries(payload))
      messages.push([`${topic}/${key}`, attributeText(value)]);
  }
  if (mode !== 'attribute') messages.push([topic, JSON.stringify(payload)]);
  return messages;
}
