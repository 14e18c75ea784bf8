// The configuration schema: the single source of truth for keys, defaults, validation, secrets and docs.
import { z } from 'zod';
import {
  count,
  duration,
  entityFilter,
  flag,
  hostPort,
  isTimeZone,
  isValidRegex,
  optionalString,
  regexList,
  secret,
  topicLevel,
} from './fields.ts';
import { sipSchema } from './sip-schema.ts';

const pbxSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'expected the https:// URL of the 3CX web server' })
      .meta({ description: 'base URL of the 3CX web server (required)' }),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1-32 letters, digits, _ or -')
      .nullable()
      .prefault(null)
      .meta({
        description:
          'short id in unique ids, device identifiers and the MQTT client id (default: from the host name)',
      }),
    client_id: optionalString('xAPI client id (service principal); use it with client_secret'),
    client_secret: secret('xAPI API key of that client'),
    username: optionalString('or a user login (extension number); use it with password'),
    password: secret('password of that user'),
    security_code: secret('2FA code for the user login, if enabled'),
    verify_tls: flag(true, 'false accepts a self-signed certificate'),
    ca_file: optionalString('a PEM file to trust instead of the system CAs'),
    timezone: z
      .string()
      .refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin')
      .prefault(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
      .meta({ description: 'day boundary for daily counters (default: the system zone)' }),
    realtime: z
      .enum(['auto', 'callcontrol', 'poll'])
      .prefault('auto')
      .meta({
        description:
          'call events from the Call Control websocket: auto uses it when the PBX allows it (else polls), ' +
          'callcontrol requires it (exit 1 when refused), poll never connects',
      }),
    max_auth_failures: count(5, 0, 1000, 'consecutive login failures before the daemon exits 1 (0 = never)'),
  })
  .superRefine((pbx, ctx) => {
    const clientKind = pbx.client_id !== null || pbx.client_secret !== null;
    const userKind = pbx.username !== null || pbx.password !== null;
    if (clientKind && userKind) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          'give exactly one credential kind: client_id + client_secret, or username + password, not both',
      });
      return;
    }
    if (!clientKind && !userKind) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'no credentials: give client_id + client_secret, or username + password',
      });
      return;
    }
    const missing = clientKind
      ? (['client_id', 'client_secret'] as const).filter((k) => pbx[k] === null)
      : (['username', 'password'] as const).filter((k) => pbx[k] === null);
    for (const key of missing)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'required with the other half of the credential',
      });
  })
  .transform((pbx) => ({ ...pbx, id: pbx.id ?? pbxIdFromUrl(pbx.url) }));

/** A default pbx.id from the host name: "pbx.example.com" -> "pbx_example_com". */
export function pbxIdFromUrl(url: string): string {
  const host = new URL(url).hostname.toLowerCase();
  return (
    host
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 32) || 'pbx'
  );
}

const mqttSchema = z.strictObject({
  url: z
    .url({ protocol: /^(mqtts?|wss?)$/, error: 'expected an mqtt://, mqtts://, ws:// or wss:// URL' })
    .prefault('mqtt://localhost:1883')
    .meta({ description: 'broker URL: mqtt://, mqtts://, ws://, wss://' }),
  username: optionalString('broker user name'),
  password: secret('broker password'),
  client_id: optionalString('MQTT client id (default 3cx2mqtt_<pbx.id>)'),
  base_topic: topicLevel.prefault('3cx2mqtt').meta({ description: 'first level of every topic' }),
  ca_file: optionalString('a PEM file to trust for mqtts:// and wss://'),
  reject_unauthorized: flag(true, 'false accepts a broker certificate that does not verify'),
  output: z
    .enum(['json', 'attribute', 'attribute_and_json'])
    .prefault('json')
    .meta({ description: 'json objects, one topic per attribute, or both' }),
  protocol_version: z.literal([5, 4], { error: 'expected 5 (MQTT 5) or 4 (MQTT 3.1.1)' }).prefault(5).meta({
    description:
      '5, or 4 (MQTT 3.1.1) for brokers without MQTT 5; only MQTT 5 can tell a retained command published while connected',
  }),
});

export const configSchema = z.strictObject({
  pbx: pbxSchema,
  polling: z
    .strictObject({
      calls: duration('2s', 'active calls poll interval', {
        min: [500, 'a faster poll loads the PBX with requests and shows no call sooner'],
      }),
      presence: duration('30s', 'extensions, ring groups and queues poll interval', {
        min: [5000, 'the directory changes rarely; a faster poll only loads the PBX'],
      }),
      trunks: duration('60s', 'trunks and system status poll interval', {
        min: [5000, 'trunk and system status change rarely; a faster poll only loads the PBX'],
      }),
      failures_before_offline: count(
        3,
        1,
        100,
        'consecutive failed polls before pbx/availability goes offline',
      ),
    })
    .prefault({}),
  mqtt: mqttSchema.prefault({}),
  homeassistant: z
    .strictObject({
      enabled: flag(true, 'publish Home Assistant discovery'),
      discovery_prefix: topicLevel.prefault('homeassistant').meta({ description: 'HA discovery prefix' }),
      status_topic: topicLevel.prefault('homeassistant/status').meta({ description: 'HA birth topic' }),
      mode: z.enum(['device', 'component']).prefault('device').meta({
        description: 'device: one config per HA device; component: one per entity (openHAB before 2026-02)',
      }),
    })
    .prefault({}),
  entities: z
    .strictObject({
      extensions: entityFilter('all | none | a list of extension numbers'),
      ring_groups: entityFilter('all | none | a list of ring group numbers'),
      queues: entityFilter('all | none | a list of queue numbers'),
      trunks: entityFilter('all | none | a list of trunk numbers'),
    })
    .prefault({}),
  contacts: z
    .strictObject({
      lookup: flag(true, 'resolve caller names from the 3CX company phonebook'),
      vip: z
        .array(
          z
            .string()
            .refine(
              (v) => !(v.startsWith('/') && v.endsWith('/') && v.length > 1) || isValidRegex(v.slice(1, -1)),
              {
                message: 'is not a valid regular expression',
              },
            ),
        )
        .prefault([])
        .meta({ description: 'VIP numbers (matched on their digits) or regexes written as "/.../"' }),
    })
    .prefault({}),
  history: z
    .strictObject({
      database: z
        .string()
        .min(1)
        .prefault('./data/3cx2mqtt.db')
        .meta({ description: 'SQLite database file' }),
      recent_calls: count(20, 0, 1000, 'length of calls/recent'),
      recent_missed_calls: count(20, 0, 1000, 'length of calls/missed'),
      retention_days: count(90, 1, 36500, 'days of call history kept in the database'),
    })
    .prefault({}),
  commands: z
    .strictObject({
      allowed_numbers: regexList(['^[0-9]{2,6}$'], 'regexes every dialled target must match'),
      rate_limit_per_minute: count(6, 0, 600, 'call-placing commands per minute, all kinds together'),
    })
    .prefault({}),
  sip: sipSchema.prefault({}),
  web: z
    .strictObject({
      enabled: flag(true, 'serve the dashboard, API, metrics and webhook'),
      listen: hostPort('127.0.0.1:8080', 'HTTP listen address'),
      public_url: z
        .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
        .nullable()
        .prefault(null)
        .meta({
          description: 'how users reach the gateway (for recording_url links); default http://<listen>',
        }),
      auth_token: secret('if set, required for the dashboard and /api (cookie or Bearer)'),
      open_metrics: flag(true, '/metrics and /healthz without auth_token'),
      frame_ancestors: z
        .string()
        .prefault("'self'")
        .meta({ description: 'CSP frame-ancestors, for embedding in HA/openHAB' }),
      webhook_token: secret('required to enable the /webhook/3cx endpoints'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z
        .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .prefault('info')
        .meta({ description: 'log level' }),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;

let jsonSchema: Record<string, unknown> | undefined;

/**
 * The schema as JSON Schema (input side), carrying descriptions, defaults and the secret/duration markers. Built
 * once (it takes milliseconds) and frozen, since every caller shares it.
 */
export function configJsonSchema(): Record<string, unknown> {
  jsonSchema ??= deepFreeze(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }));
  return jsonSchema;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
