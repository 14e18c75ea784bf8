// Test helper: the MQTT broker a test talks to, started and stopped by the test on a free loopback port: a real
// mosquitto, or where mosquitto is not installed (and CI is not 'true') the embedded aedes broker the demo ships.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/mqtt/embedded-broker.ts';
import { componentPath, killOnExit, sayOncePerRun } from './components.ts';
import { hiddenByEnv, IN_CI } from './shared.ts';

export function mosquittoBinary(): string | undefined {
  return componentPath('mosquitto');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
}

export interface BrokerOptions {
  /** Users and passwords; anonymous clients are refused when given. */
  users?: Record<string, string>;
  /** A fixed port (a broker that appears late where a gateway already waits); default a free one. */
  port?: number;
  /** PEM certificate and key: the listener speaks MQTT over TLS. */
  tls?: { cert: string; key: string };
}

/** A running broker: mosquitto as its own process, or aedes in the test process. Both keep nothing across kill. */
export interface TestBroker {
  readonly kind: 'mosquitto' | 'aedes';
  readonly port: number;
  /** mqtt://127.0.0.1:<port> (also for a TLS listener: tests build their mqtts:// URL from `port`). */
  readonly url: string;
  /** Stops it as a crash would: every connection dropped, retained messages lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The MQTT version each running test broker speaks, by URL: aedes speaks only 3.1.1. */
const PROTOCOL_BY_URL = new Map<string, 4 | 5>();

/** The mqtt.protocol_version a gateway needs for the test broker at `url` (5 unless it is aedes). */
export function brokerProtocol(url: string): 4 | 5 {
  const { host } = new URL(url);
  // A broker a test starts later on a port it chose: aedes when mosquitto is missing.
  return PROTOCOL_BY_URL.get(host) ?? (mosquittoBinary() ? 5 : 4);
}

/**
 * mosquitto when installed; otherwise, outside CI, aedes (said once per run on stderr). With CI=true a missing
 * mosquitto is a failure.
 */
export async function startBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const binary = mosquittoBinary();
  if (binary) {
    sayOncePerRun('broker', `MQTT tests: using mosquitto (${binary})`);
    return MosquittoProcess.start(binary, options);
  }
  const why = hiddenByEnv('mosquitto')
    ? 'mosquitto hidden by TEST_HIDE_COMPONENTS'
    : 'mosquitto not installed';
  if (IN_CI)
    throw new Error(`MISSING mosquitto (apt-get install mosquitto mosquitto-clients): ${why}, CI=true`);
  sayOncePerRun('broker', `MQTT tests: using embedded aedes (${why})`);
  const broker = await AedesBroker.start(options);
  PROTOCOL_BY_URL.set(new URL(broker.url).host, 4);
  return broker;
}

/** The old name of startBroker, for tests written against it (`Mosquitto.start(t)`); it no longer skips. */
export const Mosquitto = { start: (_t: TestContext, options: BrokerOptions = {}) => startBroker(options) };
export type Mosquitto = TestBroker;

class MosquittoProcess implements TestBroker {
  readonly kind = 'mosquitto';
  private process?: ChildProcess;
  private constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly configFile: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(binary: string, options: BrokerOptions): Promise<MosquittoProcess> {
    const users = options.users ?? {};
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-mosquitto-'));
    const configFile = join(dir, 'mosquitto.conf');
    let auth = 'allow_anonymous true\n';
    if (Object.keys(users).length > 0) {
      const passwordFile = join(dir, 'passwords');
      writeFileSync(passwordFile, '');
      for (const [user, password] of Object.entries(users)) {
        const made = spawnSync('mosquitto_passwd', ['-b', passwordFile, user, password], {
          encoding: 'utf8',
        });
        if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
      }
      // mosquitto started as root drops to the mosquitto user before reading the password file.
      chmodSync(dir, 0o755);
      chmodSync(passwordFile, 0o644);
      auth = `allow_anonymous false\npassword_file ${passwordFile}\n`;
    }
    let tls = '';
    if (options.tls) {
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'cert.pem'), options.tls.cert, { mode: 0o644 });
      writeFileSync(join(dir, 'key.pem'), options.tls.key, { mode: 0o644 });
      tls = `certfile ${join(dir, 'cert.pem')}\nkeyfile ${join(dir, 'key.pem')}\n`;
    }
    writeFileSync(configFile, `listener ${port} 127.0.0.1\n${tls}${auth}persistence false\nlog_type error\n`);
    const broker = new MosquittoProcess(binary, port, configFile);
    await broker.startProcess();
    return broker;
  }

  private async startProcess(): Promise<void> {
    this.process = killOnExit(spawn(this.binary, ['-c', this.configFile], { stdio: 'ignore' }));
    await waitForPort(this.port, 10_000);
  }

  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.startProcess();
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

class AedesBroker implements TestBroker {
  readonly kind = 'aedes';
  private constructor(
    private running: EmbeddedBroker | undefined,
    readonly port: number,
    private readonly options: BrokerOptions,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  private static listen(port: number, options: BrokerOptions): Promise<EmbeddedBroker> {
    const users = options.users;
    return startEmbeddedBroker({
      port,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(users && Object.keys(users).length > 0
        ? {
            aedes: {
              // As mosquitto's password_file with allow_anonymous false.
              authenticate: (_client, username, password, done) => {
                const known = username !== undefined && Object.hasOwn(users, username);
                if (known && password?.toString() === users[username]) return done(null, true);
                done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }), false);
              },
            },
          }
        : {}),
    });
  }

  static async start(options: BrokerOptions): Promise<AedesBroker> {
    const running = await AedesBroker.listen(options.port ?? 0, options);
    return new AedesBroker(running, running.port, options);
  }

  async kill(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.close();
  }

  async restart(): Promise<void> {
    await this.kill();
    this.running = await AedesBroker.listen(this.port, this.options);
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/**
 * A block of UDP ports for baresip's RTP (`low-high`), different per test process so that two test runs on one
 * machine do not collide. `slot` separates the blocks one process uses.
 */
export function rtpRange(slot: number): string {
  const base = 30000 + ((process.pid % 60) * 5 + slot) * 100;
  return `${base}-${base + 99}`;
}
