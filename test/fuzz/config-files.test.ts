// Fuzz (issue 15): configuration files with wrong types, unknown keys, broken YAML, alias bombs and sizes around the
// limit. Each is a Config or a ConfigError naming the key or the file, never another exception and never a secret,
// within bounded time; a sample goes through the CLI for exit code 2.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, MAX_CONFIG_BYTES } from '../../src/config/load.ts';
import { configJsonSchema } from '../../src/config/schema.ts';
import { leafPaths, nodeAt, propertiesOf, type JsonSchemaNode } from '../../src/config/schema-walk.ts';
import { CliProcess } from '../helpers/cli.ts';
import { aliasBomb, PBX_SECTION, writeFile } from '../helpers/config-files.ts';
import { hostileString, mutatedText, oddStrings } from './generators.ts';
import { fuzz } from './runner.ts';

const SCHEMA = configJsonSchema() as JsonSchemaNode;
const LEAVES = leafPaths(SCHEMA);
const SECRET_MARK = 'SECRET-';
const EXAMPLE = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');

/** A value of any kind a user might write by mistake. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1e21, 2 ** 53, 0.5, true, false, null, '', 'yes', '0ms', '1000h', '-5s', '[]', '{}'),
  oddStrings,
  hostileString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), {
    maxKeys: 3,
  }),
  fc.string({ maxLength: 12 }).map((s) => `mqtt://gw:${SECRET_MARK}${s}@host`),
);

const secretValue = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => `${SECRET_MARK}${s}`),
  fc.integer().map((n) => ({ [SECRET_MARK]: n })),
);

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object' || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** A configuration with a few keys set to wrong values (secret keys to marked secrets), maybe unknown keys too. */
const wrongConfig: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...LEAVES), wrongValue, secretValue), { minLength: 1, maxLength: 5 }),
    fc.array(
      fc.tuple(
        fc.constantFrom('pbx', 'mqtt', 'web', 'nonsense'),
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'), maxLength: 8 }),
      ),
      { maxLength: 2 },
    ),
    fc.option(fc.constantFrom('pbx', 'polling', 'mqtt', 'sip', 'web'), { nil: undefined }),
    fc.option(wrongValue, { nil: undefined }),
  )
  .map(([changes, unknown, wholeSection, sectionValue]) => {
    const config: Record<string, unknown> = {
      pbx: { url: 'https://pbx.example.com:5001', client_id: 'gw', client_secret: `${SECRET_MARK}client` },
    };
    for (const [path, wrong, secret] of changes)
      setPath(config, path, nodeAt(SCHEMA, path)?.secret ? secret : wrong);
    for (const [section, key] of unknown) setPath(config, [section, `x_${key}`], 1);
    if (wholeSection && sectionValue !== undefined) config[wholeSection] = sectionValue;
    return config;
  });

/** Why a loading outcome breaks the promise, or undefined. */
function brokenPromise(path: string, load: () => unknown): string | undefined {
  try {
    load();
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) return `threw ${String(error)}`;
    if (error.issues.length === 0) return 'a ConfigError without issues';
    for (const issue of error.issues) {
      // List items are named by their index (`sip.alert_numbers.0`): the key is the list's.
      const keyPath = issue.key.split('.').filter((segment) => !/^\d+$/.test(segment));
      const named =
        issue.key === path ||
        issue.key === '(top level)' ||
        nodeAt(SCHEMA, keyPath) !== undefined ||
        propertiesOf(nodeAt(SCHEMA, keyPath.slice(0, -1))) !== undefined;
      if (!named) return `an issue that names no key or file: ${JSON.stringify(issue)}`;
      if (issue.message.trim() === '') return `an issue without a message: ${issue.key}`;
    }
    if (error.message.includes(SECRET_MARK)) return `a secret in the message:\n${error.message}`;
    return undefined;
  }
}

/**
 * Configurations that once broke a promise, kept as regressions. Seed 1212553126: a URL whose password holds a '#'
 * is no URL to WHATWG's parser, and the configuration error quoted it whole.
 */
const REGRESSIONS: Record<string, unknown>[] = [
  // Seed 1665916415: a key named "." gave the ambiguous path "pbx..".
  { pbx: { '.': '' } },
  { pbx: { url: `mqtt://gw:${SECRET_MARK}#@host`, client_id: 'gw', client_secret: 'x' } },
  { pbx: { url: `https://gw:${SECRET_MARK} x/y?z@host`, client_id: 'gw', client_secret: 'x' } },
  {
    pbx: { url: 'https://pbx.example.com', client_id: 'gw', client_secret: 'x' },
    mqtt: { url: `ftp://gw:12#${SECRET_MARK}@h` },
  },
];

describe('fuzz: configuration files', () => {
  const path = writeFile('fuzz.yaml', '');

  it('wrong types and unknown keys: a Config or a ConfigError naming each key, no secret', async (t: TestContext) => {
    await fuzz(
      t,
      'config wrong types',
      fc.property(wrongConfig, (config) => {
        writeFileSync(path, stringify(config));
        const found = brokenPromise(path, () => loadConfig({ path, env: {} }));
        if (found) throw new Error(`${found}\n${stringify(config)}`);
      }),
      { timeMs: 2500, examples: REGRESSIONS.map((config) => [config]) },
    );
  });

  it('broken YAML (the example cut, with junk): a ConfigError naming the file or a key', async (t: TestContext) => {
    await fuzz(
      t,
      'config broken YAML',
      fc.property(mutatedText(EXAMPLE), (text) => {
        writeFileSync(path, text);
        const found = brokenPromise(path, () => loadConfig({ path, env: {} }));
        if (found) throw new Error(found);
      }),
      { timeMs: 2000 },
    );
  });

  it('alias bombs of any size: refused naming the file, each within bounded time', async (t: TestContext) => {
    let slowest = 0;
    await fuzz(
      t,
      'config alias bombs',
      fc.property(fc.integer({ min: 2, max: 14 }), fc.integer({ min: 2, max: 14 }), (levels, width) => {
        writeFileSync(path, aliasBomb(levels, width));
        const started = performance.now();
        let error: unknown;
        try {
          loadConfig({ path, env: {} });
        } catch (caught) {
          error = caught;
        }
        slowest = Math.max(slowest, performance.now() - started);
        if (!(error instanceof ConfigError)) throw new Error(`not a ConfigError: ${String(error)}`);
        // yaml counts expansions its own way; a bomb of 100,000 leaves must be stopped by that count.
        const bomb = width ** levels > 100_000;
        if (bomb && !error.issues.some((i) => i.key === path && /alias/i.test(i.message)))
          throw new Error(`${levels}x${width}: ${error.message}`);
      }),
      { timeMs: 2000 },
    );
    t.diagnostic(`slowest alias bomb: ${slowest.toFixed(0)} ms`);
    // A safety bound, not a benchmark: an unbounded expansion takes minutes.
    assert.ok(slowest < 5000, `an alias bomb took ${slowest.toFixed(0)} ms`);
  });

  it('sizes around the limit: refused past it, naming the file and the limit, before parsing', async (t: TestContext) => {
    await fuzz(
      t,
      'config sizes',
      fc.property(fc.integer({ min: -4096, max: 4096 }), (delta) => {
        const filler = MAX_CONFIG_BYTES + delta - PBX_SECTION.length - 3;
        writeFileSync(path, `${PBX_SECTION}# ${'x'.repeat(filler)}\n`);
        let error: unknown;
        try {
          loadConfig({ path, env: {} });
        } catch (caught) {
          error = caught;
        }
        const tooLarge = delta > 0;
        const refused =
          error instanceof ConfigError &&
          error.issues.some((i) => i.key === path && /at most 1 MB/.test(i.message));
        if (tooLarge !== refused) throw new Error(`${delta} bytes past the limit: ${String(error)}`);
      }),
      { timeMs: 2000, numRuns: 200 },
    );
  });

  it('through the CLI, a sample exits 2 and names the key or the file', async (t: TestContext) => {
    await fuzz(
      t,
      'config through the CLI',
      fc.asyncProperty(
        fc.oneof(
          wrongConfig.map((config) => stringify(config)),
          fc.constant(aliasBomb()),
          mutatedText(EXAMPLE),
        ),
        async (text) => {
          const file = writeFile('cli.yaml', text);
          let expected: ConfigError | undefined;
          try {
            loadConfig({ path: file, env: {} });
          } catch (error) {
            if (error instanceof ConfigError) expected = error;
          }
          if (!expected) return; // valid by chance: nothing to refuse
          const p = CliProcess.start(['check-config', '--config', file]);
          const { code } = await p.exited;
          if (code !== 2) throw new Error(`exit ${code}: ${p.stderr}`);
          const first = expected.issues[0]!;
          if (!p.stderr.includes(`${first.key}:`)) throw new Error(`${first.key} not named: ${p.stderr}`);
          if (p.stderr.includes(SECRET_MARK)) throw new Error(`a secret on stderr: ${p.stderr}`);
        },
      ),
      { timeMs: 5000, numRuns: 8 },
    );
  });
});
