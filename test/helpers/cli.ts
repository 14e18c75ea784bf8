// Test helper: runs the built CLI (dist/cli.js) as a user would, collecting its output: `run`, `simulate`, `demo`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { killOnExit } from './components.ts';
import { brokerProtocol, freePort, startBroker, type TestBroker } from './mosquitto.ts';
import { MqttWatch } from './mqtt-watch.ts';
import { SimClient } from './pbx-http.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');

export function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-cli-'));
  const path = join(dir, 'config.yaml');
  // Each run its own database, and its dashboard on a free port (not 8080, which a parallel test file or a demo
  // may hold), unless the test names them.
  const defaults = { history: { database: join(dir, 'calls.db') }, web: { listen: '127.0.0.1:0' } };
  const mqtt = config.mqtt as { url?: unknown; protocol_version?: unknown } | undefined;
  // aedes (the fallback broker without mosquitto) speaks MQTT 3.1.1 only.
  const withProtocol =
    typeof mqtt?.url === 'string' && mqtt.protocol_version === undefined
      ? { ...config, mqtt: { ...mqtt, protocol_version: brokerProtocol(mqtt.url) } }
      : config;
  writeFileSync(path, stringify({ ...defaults, ...withProtocol }));
  return path;
}

export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; at: number }>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    killOnExit(child);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  }

  static start(args: string[], env: Record<string, string> = {}): CliProcess {
    return new CliProcess(
      spawn(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  /** Waits until the output matches, bounded in time. */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
      const match = pattern.exec(this.stdout + this.stderr);
      if (match) return match;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  /** Sends `signal` and waits for the exit; SIGKILL if it is still running after `timeoutMs`. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    timeoutMs = 10_000,
  ): Promise<{ code: number | null; at: number }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `3cx2mqtt simulate --port 0` as its own process: its URL is the first stdout line. */
export class SimulatorProcess extends SimClient {
  private constructor(
    url: string,
    readonly process: CliProcess,
  ) {
    super(url);
  }

  static async start(args: string[] = []): Promise<SimulatorProcess> {
    const child = CliProcess.start(['simulate', '--port', '0', ...args]);
    try {
      const [, url] = await child.waitForOutput(/^listening (https:\/\/127\.0\.0\.1:\d+)$/m, 20_000);
      const sim = new SimulatorProcess(url!, child);
      // The user login: the gateway under test holds the client token (one active token per client).
      sim.token = await sim.userToken();
      return sim;
    } catch (error) {
      await child.stop('SIGKILL');
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

export interface StackOptions {
  /** Config sections merged over the defaults (which leave polling and everything else as shipped). */
  config?: Record<string, Record<string, unknown>>;
  /** Extra environment for `run` (TCX2MQTT_* overrides). */
  env?: Record<string, string>;
  /** Arguments for `simulate` after `--port 0` (default `--traffic none`: only the test's calls). */
  simulate?: string[];
}

/**
 * What a user starts: a broker, `3cx2mqtt simulate` and `3cx2mqtt run` (built CLI, own processes; polling at
 * its defaults), plus an MQTT client that recorded everything from before the gateway connected.
 */
export class GatewayStack {
  private constructor(
    readonly broker: TestBroker,
    readonly sim: SimulatorProcess,
    readonly gateway: CliProcess,
    readonly watch: MqttWatch,
    /** http://127.0.0.1:<port> of web.listen. */
    readonly web: string,
    readonly configFile: string,
  ) {}

  static async start(options: StackOptions = {}): Promise<GatewayStack> {
    const broker = await startBroker();
    const sim = await SimulatorProcess.start(options.simulate ?? ['--traffic', 'none']);
    const watch = await MqttWatch.connect(broker.url);
    const listen = `127.0.0.1:${await freePort()}`;
    const { pbx, mqtt, web, ...rest } = options.config ?? {};
    const configFile = writeConfig({
      pbx: {
        url: sim.url,
        client_id: 'simulator',
        client_secret: 'simulator-secret',
        verify_tls: false,
        ...pbx,
      },
      mqtt: { url: broker.url, ...mqtt },
      web: { listen, ...web },
      ...rest,
    });
    const gateway = CliProcess.start(['run', '--config', configFile], options.env);
    return new GatewayStack(broker, sim, gateway, watch, `http://${listen}`, configFile);
  }

  /** Latest retained-or-not payload of a topic under the default base topic. */
  latest(topic: string): string | undefined {
    return this.watch.latest().get(`3cx2mqtt/${topic}`);
  }

  async stop(): Promise<void> {
    await this.gateway.stop();
    await this.watch.close();
    await this.sim.stop();
    await this.broker.stop();
  }
}
