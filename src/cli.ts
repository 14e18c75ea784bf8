#!/usr/bin/env node
// Command line: parses arguments and hands over to one command. Exit codes: 0 ok, 1 runtime failure, 2 bad usage/config.
import { parseArgs } from 'node:util';
import { closestMatch } from './config/suggest.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { DEFAULT_CREDENTIALS } from './sim/defaults.ts';
import { VERSION } from './version.ts';

const COMMANDS = ['run', 'check-config', 'simulate', 'demo'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
type Command = (typeof COMMANDS)[number];

const HELP = `3cx2mqtt ${VERSION} — a 3CX V20 phone system on MQTT

Usage: 3cx2mqtt [command] [options]

Commands:
  run             run the gateway (the default)
  check-config    validate the configuration, print it with secrets redacted, try the PBX and the broker
  simulate        run only the built-in 3CX V20 simulator (HTTPS, self-signed certificate)
  demo            simulator + gateway + dashboard in one process; needs no config file

Global options:
  --config PATH       configuration file (default $TCX2MQTT_CONFIG, else ./config.yaml)
  --log-level LEVEL   trace | debug | info | warn | error | fatal | silent
  --version, --help

simulate options:
  --port N            0 picks a free port (default 5001)
  --extensions N      users (1..10000, default 20)   --ring-groups N (default 2)
  --queues N          (default 2)                     --trunks N (default 2)
  --traffic MODE      none | normal | busy (default normal)
  --seed N            makes the directory and traffic repeatable (default 1)
  --token-ttl S       access token lifetime in seconds (default 3600)
  --client-id ID --client-secret S   (default ${DEFAULT_CREDENTIALS.clientId} / ${DEFAULT_CREDENTIALS.clientSecret})
  --username U --password P          (default ${DEFAULT_CREDENTIALS.username} / ${DEFAULT_CREDENTIALS.password})
  --callcontrol on|off  the API client has "Call Control API Access" (default on)
  --monitor DNS       Call Control's monitored DNs: all (extensions and queues), none, or 101,102,900
  --calls K           hold K connected calls between random extensions and trunks from the start (default 0)

demo options:
  --mqtt URL          use this broker instead of the embedded one (on 1883, or a free port)
  --listen HOST:PORT  dashboard address (default 127.0.0.1:8080, or a free port)
  --extensions N      --traffic MODE   as for simulate (default 25, normal)
`;

const OPTIONS = {
  config: { type: 'string' },
  'log-level': { type: 'string' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  port: { type: 'string' },
  extensions: { type: 'string' },
  'ring-groups': { type: 'string' },
  queues: { type: 'string' },
  trunks: { type: 'string' },
  traffic: { type: 'string' },
  seed: { type: 'string' },
  'token-ttl': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  callcontrol: { type: 'string' },
  monitor: { type: 'string' },
  calls: { type: 'string' },
  mqtt: { type: 'string' },
  listen: { type: 'string' },
} as const;

class UsageError extends Error {}

function integerOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} expects a whole number from ${min} to ${max}, got "${typeof text === 'string' ? text : JSON.stringify(text)}"`,
    );
  }
  return value;
}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '--?([^']+)'/.exec(message)?.[1];
    const hint = unknown ? closestMatch(unknown, Object.keys(OPTIONS)) : undefined;
    throw new UsageError(`${message}${hint ? ` (did you mean --${hint}?)` : ''}`);
  }
  const [word = 'run', ...rest] = parsed.positionals;
  if (!COMMANDS.includes(word as Command)) {
    const hint = closestMatch(word, COMMANDS);
    throw new UsageError(`unknown command "${word}"${hint ? ` (did you mean "${hint}"?)` : ''}; see --help`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  return { command: word as Command, values: parsed.values as Record<string, string | boolean | undefined> };
}

async function simulate(values: Record<string, unknown>): Promise<void> {
  // Loaded only for this command: `run` carries none of the simulator.
  const { Simulator } = await import('./sim/simulator.ts');
  const { SimError } = await import('./sim/call-types.ts');
  /** What the simulator refuses while it is set up becomes a usage error for `option`. */
  const asUsage = <T>(option: string, step: () => T): T => {
    try {
      return step();
    } catch (error) {
      if (error instanceof SimError) throw new UsageError(`${option}: ${error.message}`);
      throw error;
    }
  };
  const traffic = (values.traffic as string | undefined) ?? 'normal';
  if (!['none', 'normal', 'busy'].includes(traffic))
    throw new UsageError(`--traffic expects none, normal or busy, got "${traffic}"`);
  const callControl = (values.callcontrol as string | undefined) ?? 'on';
  if (!['on', 'off'].includes(callControl))
    throw new UsageError(`--callcontrol expects on or off, got "${callControl}"`);
  const monitor = (values.monitor as string | undefined) ?? 'all';
  const heldCalls = integerOption(values, 'calls', 0, 0, 10_000);
  const simulator = asUsage(
    '--monitor',
    () =>
      new Simulator({
        port: integerOption(values, 'port', 5001, 0, 65535),
        extensions: integerOption(values, 'extensions', 20, 1, 10_000),
        ringGroups: integerOption(values, 'ring-groups', 2, 0, 89),
        queues: integerOption(values, 'queues', 2, 0, 89),
        trunks: integerOption(values, 'trunks', 2, 0, 100),
        traffic: traffic as 'none' | 'normal' | 'busy',
        seed: integerOption(values, 'seed', 1, 0, 2 ** 32 - 1),
        tokenTtlSeconds: integerOption(values, 'token-ttl', 3600, 1, 366 * 86400),
        credentials: {
          ...(values['client-id'] ? { clientId: values['client-id'] as string } : {}),
          ...(values['client-secret'] ? { clientSecret: values['client-secret'] as string } : {}),
          ...(values.username ? { username: values.username as string } : {}),
          ...(values.password ? { password: values.password as string } : {}),
        },
        callControl: {
          enabled: callControl === 'on',
          monitor: monitor === 'all' || monitor === 'none' ? monitor : monitor.split(','),
        },
      }),
  );
  if (heldCalls > 0) asUsage('--calls', () => simulator.bulk.create(heldCalls, 'talking'));
  const url = await simulator.start();
  process.stdout.write(`listening ${url}\n`);
  process.stdout.write(
    `3CX V20 simulator: ${simulator.model.users.length} users, ${simulator.model.ringGroups.length} ring groups, ` +
      `${simulator.model.queues.length} queues, ${simulator.model.trunks.length} trunks, traffic ${traffic}` +
      `${heldCalls > 0 ? `, ${heldCalls} calls held` : ''}.\n` +
      `xAPI at ${url}/xapi/v1/ (self-signed certificate); Call Control ${callControl === 'on' ? `at ${url}/callcontrol (monitoring ${monitor})` : 'off (403)'};\n` +
      `scripting API at ${url}/sim/ (see docs/simulator.md).\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await simulator.stop();
}

async function main(argv: string[]): Promise<number> {
  const { command, values } = parse(argv);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const logLevel = values['log-level'] as string | undefined;
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level expects one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const config = (): Config => {
    const loaded = loadConfig({ path: values.config as string | undefined });
    if (logLevel) loaded.log.level = logLevel as Config['log']['level'];
    return loaded;
  };
  switch (command) {
    case 'simulate':
      await simulate(values);
      return 0;
    case 'demo': {
      const { runDemo } = await import('./commands/demo.ts');
      const traffic = (values.traffic as string | undefined) ?? 'normal';
      if (!['none', 'normal', 'busy'].includes(traffic))
        throw new UsageError('--traffic expects none, normal or busy');
      return runDemo({
        mqttUrl: values.mqtt as string | undefined,
        webListen: values.listen as string | undefined,
        logLevel,
        extensions: integerOption(values, 'extensions', 25, 1, 10_000),
        traffic: traffic as 'none' | 'normal' | 'busy',
      });
    }
    case 'check-config': {
      const { checkConfig } = await import('./commands/check-config.ts');
      return checkConfig(config(), process.stdout, process.stderr);
    }
    case 'run': {
      const { runGateway } = await import('./commands/run.ts');
      return runGateway(config());
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof UsageError) {
      process.stderr.write(`3cx2mqtt: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`3cx2mqtt: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
