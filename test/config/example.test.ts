// config.example.yaml documents every key of the schema, no more, and is itself a valid configuration.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { configJsonSchema } from '../../src/config/schema.ts';
import { leafPaths, type JsonSchemaNode } from '../../src/config/schema-walk.ts';

const EXAMPLE = new URL('../../config.example.yaml', import.meta.url);

function exampleLeaves(value: unknown, prefix: string[] = []): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      exampleLeaves(v, [...prefix, k]),
    );
  }
  return [prefix.join('.')];
}

describe('config.example.yaml', () => {
  it('has exactly the keys of the schema', () => {
    const schemaKeys = leafPaths(configJsonSchema() as JsonSchemaNode).map((p) => p.join('.'));
    const exampleKeys = exampleLeaves(parse(readFileSync(EXAMPLE, 'utf8')));
    assert.deepEqual([...exampleKeys].sort(), [...schemaKeys].sort());
  });

  it('is valid as it stands', () => {
    const config = loadConfig({ path: EXAMPLE.pathname, env: {} });
    assert.equal(config.pbx.client_id, 'my-api-client');
  });
});
