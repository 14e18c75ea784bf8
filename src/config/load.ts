// Loads the configuration: YAML file, then TCX2MQTT_* environment overrides (and *_FILE secrets), then validation.
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { describeSize, FileTooLarge, formatBytes, readBoundedFile } from './bounded-file.ts';
import { redactUrl } from './redact.ts';
import { configJsonSchema, configSchema, type Config } from './schema.ts';
import { isStringLeaf, nodeAt, propertiesOf, type JsonSchemaNode } from './schema-walk.ts';
import { closestMatch } from './suggest.ts';

export const ENV_PREFIX = 'TCX2MQTT_';
export const CONFIG_PATH_ENV = 'TCX2MQTT_CONFIG';
const MASK = '***';
/**
 * A configuration is a few KB; past this it is a mistake or an attack, refused before parsing (yaml reads about
 * 25 lines a millisecond: 1 MB of list items takes seconds, 4 MB took 8 s and 400 MB).
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** A secret is a line; a file read for one is refused past this. */
export const MAX_SECRET_BYTES = 64 * 1024;
/** Alias expansions yaml may make while building the value ("billion laughs" needs millions). */
export const MAX_ALIAS_COUNT = 100;

export interface ConfigIssue {
  /** Dotted key path (`pbx.url`), or the environment variable / file that caused it. */
  key: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid configuration (${source}):\n${issues.map((i) => `  ${i.key}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** --config; falls back to $TCX2MQTT_CONFIG, then ./config.yaml. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export function resolveConfigPath(options: LoadOptions): { path: string; explicit: boolean } {
  const env = options.env ?? process.env;
  if (options.path) return { path: options.path, explicit: true };
  if (env[CONFIG_PATH_ENV]) return { path: env[CONFIG_PATH_ENV], explicit: true };
  return { path: './config.yaml', explicit: false };
}

/** Reads, merges and validates; throws ConfigError listing every problem found. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const { path, explicit } = resolveConfigPath(options);
  const issues: ConfigIssue[] = [];
  const raw = readYamlFile(path, explicit, issues);
  // A file that cannot be read or parsed says only that: checking an empty stand-in would add false errors.
  if (issues.length > 0) throw new ConfigError(path, issues);
  const schema = configJsonSchema() as JsonSchemaNode;
  applyEnvironment(raw, env, schema, issues);
  return validateConfig(raw, path, schema, issues);
}

/** Validates an already merged object (used by loadConfig and by the demo's built-in configuration). */
export function validateConfig(
  raw: Record<string, unknown>,
  source: string,
  schema: JsonSchemaNode = configJsonSchema(),
  earlier: ConfigIssue[] = [],
): Config {
  const result = configSchema.safeParse(raw, { reportInput: true });
  const issues = [
    ...earlier,
    ...(result.success ? [] : result.error.issues.flatMap((i) => describeIssue(i, schema))),
  ];
  if (issues.length > 0 || !result.success) throw new ConfigError(source, issues);
  return result.data;
}

function readYamlFile(path: string, explicit: boolean, issues: ConfigIssue[]): Record<string, unknown> {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_CONFIG_BYTES);
  } catch (error) {
    if (error instanceof FileTooLarge) {
      issues.push({
        key: path,
        message: `the file ${describeSize(error, MAX_CONFIG_BYTES)}; a configuration file may be at most ${formatBytes(MAX_CONFIG_BYTES)}`,
      });
      return {};
    }
    const code = (error as NodeJS.ErrnoException).code;
    // Without an explicit file, a configuration from the environment alone is fine (containers).
    if (!explicit && code === 'ENOENT') return {};
    issues.push({ key: path, message: `cannot read the configuration file (${code ?? 'error'})` });
    return {};
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    for (const error of document.errors)
      issues.push({ key: path, message: `YAML: ${error.message.split('\n')[0]}` });
    return {};
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    issues.push({ key: path, message: `YAML: ${reason} (at most ${MAX_ALIAS_COUNT} alias expansions)` });
    return {};
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ key: path, message: 'expected a YAML mapping of sections (pbx:, mqtt:, ...)' });
    return {};
  }
  return value as Record<string, unknown>;
}

function applyEnvironment(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  schema: JsonSchemaNode,
  issues: ConfigIssue[],
): void {
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name !== CONFIG_PATH_ENV)
    .sort(); // plain variables before their _FILE twins is not needed: both set is an error below
  for (const name of names) {
    const fromFile = name.endsWith('_FILE');
    const keyPart = name.slice(ENV_PREFIX.length, fromFile ? -'_FILE'.length : undefined);
    const path = keyPart.toLowerCase().split('__');
    const node = nodeAt(schema, path);
    if (!node || propertiesOf(node)) {
      const known = envNames(schema);
      const hint = closestMatch(`${ENV_PREFIX}${keyPart}`, known);
      issues.push({
        key: name,
        message: `no configuration key ${path.join('.')}${hint ? ` (did you mean ${hint}?)` : ''}`,
      });
      continue;
    }
    let text = env[name] ?? '';
    if (fromFile) {
      if (!node.secret) {
        issues.push({
          key: name,
          message: `${path.join('.')} is not a secret; only secrets can be read from a file`,
        });
        continue;
      }
      if (env[name.slice(0, -'_FILE'.length)] !== undefined) {
        issues.push({
          key: name,
          message: `set either ${name.slice(0, -'_FILE'.length)} or ${name}, not both`,
        });
        continue;
      }
      try {
        text = readBoundedFile(text, MAX_SECRET_BYTES).replace(/\r?\n$/, '');
      } catch (error) {
        if (error instanceof FileTooLarge) {
          issues.push({
            key: name,
            message: `the secret file ${text} for ${path.join('.')} ${describeSize(error, MAX_SECRET_BYTES)}; a secret file may be at most ${formatBytes(MAX_SECRET_BYTES)}`,
          });
          continue;
        }
        issues.push({
          key: name,
          message: `cannot read the secret file ${text} for ${path.join('.')} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        });
        continue;
      }
    }
    setPath(raw, path, coerceEnvValue(text, node));
  }
}

function envNames(schema: JsonSchemaNode, prefix: string[] = []): string[] {
  const properties = propertiesOf(schema);
  if (!properties) return [`${ENV_PREFIX}${prefix.join('__').toUpperCase()}`];
  return Object.entries(properties).flatMap(([key, child]) => envNames(child, [...prefix, key]));
}

/** Environment values are text; non-string keys take YAML scalars and lists (`30`, `true`, `[a, b]`, `null`). */
function coerceEnvValue(text: string, node: JsonSchemaNode): unknown {
  if (isStringLeaf(node)) return text === '' && node.default === null ? null : text;
  try {
    return parseDocument(text).toJS() as unknown;
  } catch {
    return text;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function describeIssue(issue: z.core.$ZodIssue, schema: JsonSchemaNode): ConfigIssue[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(propertiesOf(nodeAt(schema, path)) ?? {});
    return issue.keys.map((key) => {
      const hint = closestMatch(key, known);
      const known_ = `known keys here: ${known.join(', ')}`;
      const suggestion = hint ? ` (did you mean "${hint}"?)` : '';
      // A key that is no plain name ("", ".", "a.b") would make an ambiguous path: name its section instead.
      if (!/^[A-Za-z0-9_-]+$/.test(key))
        return {
          key: path.join('.') || '(top level)',
          message: `unknown key ${JSON.stringify(key)}${suggestion}; ${known_}`,
        };
      return { key: [...path, key].join('.'), message: `unknown key${suggestion}; ${known_}` };
    });
  }
  const node = nodeAt(schema, path);
  const key = path.join('.') || '(top level)';
  if (issue.input === undefined && path.length > 0 && issue.code !== 'custom') {
    return [{ key, message: `is required: ${issue.message}` }];
  }
  if (issue.code === 'custom' && issue.input !== undefined && typeof issue.input === 'object') {
    return [{ key, message: issue.message }]; // an object-level rule, such as the credential check
  }
  return [{ key, message: `${showValue(issue.input, node?.secret === true)} — ${issue.message}` }];
}

function showValue(value: unknown, secret: boolean): string {
  if (value === undefined) return 'missing';
  if (secret) return `got ${MASK}`;
  const text =
    typeof value === 'string'
      ? JSON.stringify(redactUrl(value))
      : redactUrl(JSON.stringify(value) ?? typeof value);
  return `got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
