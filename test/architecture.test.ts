// The rooms of src/ and what each may import (docs/architecture.md): outputs never reach the PBX side, the pure
// core imports nothing with I/O, the data flows one way, and no module grows into a hall.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Room -> the rooms it may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  entities: ['domain'],
  config: [],
  log: [],
  version: [],
  audio: [],
  bus: ['domain', 'entities'],
  pbx: ['domain'],
  store: ['domain'],
  mqtt: ['bus', 'config', 'domain', 'entities'],
  homeassistant: ['bus', 'config', 'domain', 'entities', 'log', 'mqtt'],
  web: ['bus', 'config', 'domain', 'entities', 'log'],
  sip: ['audio', 'bus', 'config', 'domain', 'log'],
  control: ['bus', 'domain', 'entities', 'log', 'mqtt', 'pbx', 'sip'],
  gateway: ['bus', 'config', 'domain', 'entities', 'log', 'pbx', 'store'],
  sim: ['audio', 'log'],
  docs: ['config', 'domain', 'entities', 'mqtt'],
  app: [
    'bus',
    'config',
    'control',
    'domain',
    'entities',
    'gateway',
    'homeassistant',
    'log',
    'mqtt',
    'pbx',
    'sip',
    'store',
    'version',
    'web',
  ],
  commands: ['app', 'config', 'domain', 'log', 'mqtt', 'pbx', 'sim', 'sip', 'version'],
  cli: ['commands', 'config', 'log', 'sim', 'version'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const roomOf = (path: string) => relative(SRC, path).split('/')[0]!.replace(/\.ts$/, '');

it('every import between rooms is one the architecture allows', () => {
  const wrong: string[] = [];
  for (const file of files(SRC)) {
    const room = roomOf(file);
    const allowed = MAY_IMPORT[room];
    assert.ok(allowed, `src/${relative(SRC, file)}: room "${room}" is not in docs/architecture.md`);
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = roomOf(join(file, '..', match[1]!));
      if (target !== room && !allowed.includes(target)) wrong.push(`src/${relative(SRC, file)} -> ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

it('every module stays small: at most 300 lines, the PBX side under 200 (docs/architecture.md)', () => {
  const limit = (path: string) => (path === 'gateway/gateway.ts' ? 199 : 300);
  const long = files(SRC)
    .map((file) => ({ path: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter(({ path, lines }) => lines > limit(path))
    .map(({ path, lines }) => `src/${path}: ${lines} lines`);
  assert.deepEqual(long, []);
});
