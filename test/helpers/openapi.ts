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

  /**
   * Errors of `value` against the property at `path` of components/schemas/<name> (`Members`, `[]`, `Number`: through
   * $ref, allOf and array items). An object or array property is checked for its JSON type only, not its members.
   */
  errorsAt(name: string, path: readonly string[], value: unknown): string[] {
    let pointer = this.followRef(`/components/schemas/${name}`);
    for (const segment of path)
      pointer = this.followRef(
        segment === '[]' ? `${pointer}/items` : this.propertyPointer(pointer, segment, path),
      );
    const target = this.at(pointer);
    const leaf = this.at(this.leafPointer(pointer));
    const type = typeof leaf.type === 'string' ? leaf.type : leaf.properties ? 'object' : undefined;
    // Containers are checked for their JSON type only (their members have paths of their own); enums too, since
    // 3CX adds values between versions and the gateway passes such text through.
    if (type === 'object' || type === 'array' || Array.isArray(leaf.enum)) {
      const fits =
        (value === null && target.nullable === true) ||
        (type === 'array'
          ? Array.isArray(value)
          : type === 'object'
            ? !!value && typeof value === 'object' && !Array.isArray(value)
            : typeof value === type);
      return fits
        ? []
        : [`${path.join('.')} is not ${type ?? 'typed'}${target.nullable === true ? ' or null' : ''}`];
    }
    let validate = this.cache.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `xapi#${pointer}` });
      this.cache.set(pointer, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${path.join('.')} ${e.message ?? ''}`);
  }

  /** The schema that declares the type, looking through allOf/anyOf wrappers of one $ref (enums, bases). */
  private leafPointer(pointer: string): string {
    const node = this.at(pointer);
    if (typeof node.type === 'string' || node.properties) return pointer;
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const parts = node[key] as unknown[] | undefined;
      if (parts?.length) return this.leafPointer(this.followRef(`${pointer}/${key}/0`));
    }
    return pointer;
  }

  private at(pointer: string): Schema {
    let node: unknown = { components: { schemas: this.schemas } };
    for (const part of pointer.split('/').slice(1)) node = (node as Schema | undefined)?.[part];
    if (!node) throw new Error(`no schema at ${pointer}`);
    return node as Schema;
  }

  /** The pointer of the schema itself, past any $ref chain (`#/components/...`). */
  private followRef(pointer: string): string {
    for (let hops = 0; hops < 20; hops++) {
      const ref = this.at(pointer).$ref;
      if (typeof ref !== 'string') return pointer;
      pointer = ref.slice(1);
    }
    throw new Error(`$ref loop at ${pointer}`);
  }

  private propertyPointer(pointer: string, property: string, path: readonly string[]): string {
    const node = this.at(pointer);
    if ((node.properties as Schema | undefined)?.[property]) return `${pointer}/properties/${property}`;
    const parts = (node.allOf as unknown[] | undefined) ?? [];
    for (let i = 0; i < parts.length; i++) {
      try {
        return this.propertyPointer(this.followRef(`${pointer}/allOf/${i}`), property, path);
      } catch {
        // not in this part
      }
    }
    throw new Error(`no property ${path.join('.')} at ${pointer}`);
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
