// Test helper: validates JSON against the schemas of 3CX's own OpenAPI file (OpenAPI 3.0 -> JSON Schema for Ajv).
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** OpenAPI 3.0's `nullable: true` becomes a JSON Schema union with null. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const source = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key.startsWith('x-')) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, convert(v)]))
        : convert(value);
  }
  if (source.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

export class XapiSchemas {
  private readonly ajv: Ajv;
  private readonly schemas: Record<string, Schema>;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(openApiPath: string) {
    const document = parse(readFileSync(openApiPath, 'utf8'), { maxAliasCount: -1 }) as {
      components: { schemas: Record<string, Schema> };
    };
    this.schemas = document.components.schemas;
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    for (const format of [
      'int32',
      'int64',
      'decimal',
      'double',
      'float',
      'duration',
      'base64url',
      'int16',
      'uint8',
      'int8',
    ]) {
      this.ajv.addFormat(format, true);
    }
    this.ajv.addSchema({ $id: 'xapi', components: { schemas: convert(this.schemas) } });
  }

  /** Errors of `value` against components/schemas/<name>, or [] when it validates. */
  errors(name: string, value: unknown): string[] {
    let validate = this.cache.get(name);
    if (!validate) {
      if (!this.schemas[name]) throw new Error(`no schema ${name} in the OpenAPI file`);
      validate = this.ajv.compile({ $ref: `xapi#/components/schemas/${name}` });
      this.cache.set(name, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
  }

  /** Every property name the schema (with its allOf bases) declares. */
  propertyNames(name: string): Set<string> {
    const names = new Set<string>();
    const walk = (schema: Schema | undefined) => {
      if (!schema) return;
      if (typeof schema.$ref === 'string') walk(this.schemas[schema.$ref.split('/').pop()!]);
      for (const part of (schema.allOf as Schema[] | undefined) ?? []) walk(part);
      for (const key of Object.keys((schema.properties as Schema | undefined) ?? {})) names.add(key);
    };
    walk(this.schemas[name]);
    return names;
  }
}
