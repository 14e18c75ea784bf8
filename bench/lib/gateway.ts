// The shipped gateway as its own process (`node dist/cli.js run --config …`), with a config generated per run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Child } from './children.ts';

export interface GatewaySetup {
  name: string;
  simUrl: string;
  brokerUrl: string;
  /** 4 for the aedes fallback (MQTT 3.1.1 only); mosquitto speaks 5. */
  brokerProtocol?: 4 | 5;
  /** polling.* as the config spells them ("1s", "1h"); missing keys keep their defaults. */
  polling?: { calls?: string; presence?: string; trunks?: string };
  /** pbx.realtime (default: the config's default, auto). */
  realtime?: 'auto' | 'callcontrol' | 'poll';
  web?: boolean;
  logLevel?: string;
  /** Write a V8 CPU profile (node --cpu-prof) into this folder when the gateway stops. */
  cpuProfileDir?: string;
}

/** The YAML a user would write for this PBX and broker; its database lives next to it in dir. */
export function writeGatewayConfig(dir: string, setup: GatewaySetup): string {
  mkdirSync(dir, { recursive: true });
  const config = {
    pbx: {
      url: setup.simUrl,
      id: 'bench',
      client_id: 'simulator',
      client_secret: 'simulator-secret',
      verify_tls: false,
      timezone: 'UTC',
      ...(setup.realtime ? { realtime: setup.realtime } : {}),
    },
    ...(setup.polling ? { polling: setup.polling } : {}),
    mqtt: { url: setup.brokerUrl, protocol_version: setup.brokerProtocol ?? 5 },
    history: { database: join(dir, 'calls.db') },
    web: { enabled: setup.web ?? true, listen: '127.0.0.1:0' },
    log: { level: setup.logLevel ?? 'info' },
  };
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

export class GatewayProcess {
  private constructor(
    readonly child: Child,
    readonly configFile: string,
  ) {}

  /** Spawns the gateway; spawnedAt (epoch ms) is taken just before the spawn, for start-up figures. */
  static start(cli: string, setup: GatewaySetup, runDir: string): GatewayProcess {
    const dir = join(runDir, setup.name);
    const configFile = writeGatewayConfig(dir, setup);
    const nodeArgs = setup.cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${setup.cpuProfileDir}`, `--cpu-prof-name=${setup.name}.cpuprofile`]
      : [];
    const child = Child.spawn(
      setup.name,
      process.execPath,
      [...nodeArgs, cli, 'run', '--config', configFile],
      {
        logDir: runDir,
      },
    );
    return new GatewayProcess(child, configFile);
  }

  get pid(): number {
    return this.child.pid;
  }

  get spawnedAt(): number {
    return this.child.spawnedAt;
  }

  /** The dashboard's base URL, from the gateway's own log line. */
  async webUrl(timeoutMs = 60_000): Promise<string> {
    const match = await this.child.waitForLog(
      /"url":"(http:\/\/127\.0\.0\.1:\d+)".*dashboard and API listening/,
      timeoutMs,
    );
    return match[1]!;
  }

  /**
   * SIGINT: the contract says offline, flush, exit 0 within 5 s. Killed after graceMs (longer when profiling:
   * V8 writes the profile on the way out, after a poll that may hold the event loop for seconds).
   */
  stop(graceMs = 8000): Promise<{ ms: number; killed: boolean }> {
    return this.child.stop(graceMs);
  }
}
