// What a user may see of the configuration: secrets masked, URL passwords masked, durations spelled as written.
import { stringify } from 'yaml';
import { formatDuration } from './duration.ts';
import { configJsonSchema, type Config } from './schema.ts';
import { propertiesOf, type JsonSchemaNode } from './schema-walk.ts';

export const REDACTED = '***redacted***';

/**
 * A URL fit for any output (log, terminal, MQTT): its password, if it has one, replaced by REDACTED. Every
 * printed or logged URL goes through here. The URL parser is trusted only when every '@' lies in the user info it
 * found; otherwise (a password holding '#', '/' or a space is no URL to it, and a port-like password hides in the
 * fragment) everything from '//' to the last '@' but a user name is masked: more than needed, never less.
 */
export function redactUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url && !`${url.pathname}${url.search}${url.hash}`.includes('@')) {
    if (url.password === '') return text;
    url.password = REDACTED;
    return url.toString();
  }
  return text.replace(
    /\/\/([^:/@\s"]*:)?.*@/gs,
    (_all, user: string | undefined) => `//${user ?? ''}${REDACTED}@`,
  );
}

function present(value: unknown, node: JsonSchemaNode | undefined): unknown {
  const properties = propertiesOf(node);
  if (properties && value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, child]) => [
        key,
        present(child, properties[key]),
      ]),
    );
  }
  if (node?.secret && value !== null && value !== undefined) return REDACTED;
  if (node?.duration && typeof value === 'number') return formatDuration(value);
  if (typeof value === 'string') return redactUrl(value);
  return value;
}

export function redactedConfig(config: Config): Record<string, unknown> {
  return present(config, configJsonSchema()) as Record<string, unknown>;
}

export function redactedConfigYaml(config: Config): string {
  return stringify(redactedConfig(config), { lineWidth: 0 });
}

/** Every secret value the configuration holds, for scrubbing text that might echo one. */
export function secretValues(config: Config): string[] {
  const found: string[] = [];
  const walk = (value: unknown, node: JsonSchemaNode | undefined) => {
    const properties = propertiesOf(node);
    if (properties && value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value as Record<string, unknown>))
        walk(child, properties[key]);
    } else if (node?.secret && typeof value === 'string' && value.length > 0) found.push(value);
  };
  walk(config, configJsonSchema());
  return found;
}
