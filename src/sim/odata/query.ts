// OData query options over an in-memory collection: $filter, $orderby, $skip, $top, $count, $select, $expand.
import { evaluate, filterProperties, ODataSyntaxError, parseFilter } from './filter.ts';

/** The shape of an entity type as the simulator serves it. */
export interface EntityType {
  name: string; // e.g. "Pbx.User"
  /** Structural properties served, in order. */
  properties: readonly string[];
  /** Navigation properties: only present in a response when $expand names them. */
  navigation?: Record<string, EntityType>;
}

export class ODataError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; details: unknown[] } } {
    return { error: { code: this.code || String(this.status), message: this.message, details: [] } };
  }
}

const KNOWN_OPTIONS = new Set([
  '$top',
  '$skip',
  '$filter',
  '$count',
  '$orderby',
  '$select',
  '$expand',
  '$search',
  '$format',
]);

export interface QueryResult {
  value: Record<string, unknown>[];
  count?: number;
}

interface ExpandItem {
  name: string;
  select?: string[];
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

function checkProperty(type: EntityType, name: string): void {
  if (!type.properties.includes(name) && !type.navigation?.[name]) {
    throw new ODataError(400, `Could not find a property named '${name}' on type '${type.name}'.`);
  }
}

function parseNonNegative(option: string, text: string | null): number | undefined {
  if (text === null) return undefined;
  if (!/^\d+$/.test(text)) {
    throw new ODataError(
      400,
      `Invalid value '${text}' for ${option} query option found. The ${option} query option requires a non-negative integer value.`,
    );
  }
  return Number(text);
}

function parseExpand(type: EntityType, text: string | null): ExpandItem[] {
  if (!text) return [];
  return splitTopLevel(text).map((part) => {
    const match = /^(\w+)(?:\((.*)\))?$/.exec(part);
    if (!match)
      throw new ODataError(
        400,
        `The query specified in the URI is not valid. Syntax error in $expand '${part}'.`,
      );
    const name = match[1]!;
    const target = type.navigation?.[name];
    if (!target) {
      throw new ODataError(
        400,
        `Property '${name}' on type '${type.name}' is not a navigation property or complex property. Only navigation properties can be expanded.`,
      );
    }
    const nested = match[2] ? /(?:^|;)\$select=([^;]*)/.exec(match[2]) : null;
    const select = nested?.[1]?.split(',').map((s) => s.trim());
    select?.forEach((s) => checkProperty(target, s));
    return select ? { name, select } : { name };
  });
}

export function project(
  item: Record<string, unknown>,
  type: EntityType,
  select: readonly string[] | undefined,
  expand: readonly ExpandItem[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of select ?? type.properties) {
    if (type.properties.includes(key) && key in item) out[key] = item[key];
  }
  for (const nav of expand) {
    const target = type.navigation![nav.name]!;
    const related = (item[nav.name] as Record<string, unknown>[] | undefined) ?? [];
    out[nav.name] = related.map((r) => project(r, target, nav.select, []));
  }
  return out;
}

export interface QueryOptions {
  /** Largest $top accepted; 3CX answers 400 above 100 on entity sets (null = no cap, as on report functions). */
  maxTop: number | null;
  /** The key to keep paging stable. */
  key?: string;
}

export function queryCollection(
  items: readonly Record<string, unknown>[],
  params: URLSearchParams,
  type: EntityType,
  options: QueryOptions,
): QueryResult {
  for (const name of params.keys()) {
    if (name.startsWith('$') && !KNOWN_OPTIONS.has(name)) {
      throw new ODataError(400, `The query parameter '${name}' is not supported.`);
    }
  }
  let rows = [...items];
  const filterText = params.get('$filter');
  if (filterText) {
    let filter;
    try {
      filter = parseFilter(filterText);
    } catch (error) {
      if (error instanceof ODataSyntaxError) {
        throw new ODataError(400, `The query specified in the URI is not valid. ${error.message}.`);
      }
      throw error;
    }
    for (const path of filterProperties(filter)) checkProperty(type, path[0]!);
    rows = rows.filter((row) => evaluate(filter, row));
  }
  const count = rows.length;

  const orderText = params.get('$orderby');
  if (orderText) {
    const keys = orderText.split(',').map((part) => {
      const [name = '', direction = 'asc'] = part.trim().split(/\s+/);
      checkProperty(type, name);
      if (!['asc', 'desc'].includes(direction.toLowerCase())) {
        throw new ODataError(
          400,
          `The query specified in the URI is not valid. Invalid $orderby direction '${direction}'.`,
        );
      }
      return { name, sign: direction.toLowerCase() === 'desc' ? -1 : 1 };
    });
    rows.sort((a, b) => {
      for (const { name, sign } of keys) {
        const x = a[name] as string | number | null;
        const y = b[name] as string | number | null;
        if (x === y) continue;
        if (x === null || x === undefined) return -sign;
        if (y === null || y === undefined) return sign;
        return (x < y ? -1 : 1) * sign;
      }
      return 0;
    });
  }

  const skip = parseNonNegative('$skip', params.get('$skip'));
  const top = parseNonNegative('$top', params.get('$top'));
  if (top !== undefined && options.maxTop !== null && top > options.maxTop) {
    throw new ODataError(
      400,
      `The limit of '${options.maxTop}' for Top query has been exceeded. The value from the incoming request is '${top}'.`,
    );
  }
  if (skip) rows = rows.slice(skip);
  if (top !== undefined) rows = rows.slice(0, top);

  const selectText = params.get('$select');
  const select = selectText ? selectText.split(',').map((s) => s.trim()) : undefined;
  select?.forEach((name) => checkProperty(type, name));
  const expand = parseExpand(type, params.get('$expand'));

  const countText = params.get('$count');
  if (countText !== null && countText !== 'true' && countText !== 'false') {
    throw new ODataError(400, `'${countText}' is not a valid count option.`);
  }
  const value = rows.map((row) => project(row, type, select, expand));
  return countText === 'true' ? { value, count } : { value };
}

/** A single entity with $select/$expand applied (key lookups, singletons). */
export function querySingle(
  item: Record<string, unknown>,
  params: URLSearchParams,
  type: EntityType,
): Record<string, unknown> {
  const selectText = params.get('$select');
  const select = selectText ? selectText.split(',').map((s) => s.trim()) : undefined;
  select?.forEach((name) => checkProperty(type, name));
  return project(item, type, select, parseExpand(type, params.get('$expand')));
}
