// Test helper: a real mosquitto on a free loopback port, started and stopped by the test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { IN_CI } from './shared.ts';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

export function mosquittoBinary(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
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

export class Mosquitto {
  private process?: ChildProcess;
  private constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly configFile: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts mosquitto, or skips the test loudly (fails it with CI=true) when it is not installed. */
  static async start(
    t: TestContext,
    options: { users?: Record<string, string>; port?: number; tls?: { cert: string; key: string } } = {},
  ): Promise<Mosquitto | undefined> {
    const users = options.users ?? {};
    const binary = mosquittoBinary();
    if (!binary) {
      const reason = 'MISSING mosquitto (apt-get install mosquitto): this test needs a real broker';
      if (IN_CI) throw new Error(reason);
      t.skip(reason);
      return undefined;
    }
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
    const broker = new Mosquitto(binary, port, configFile);
    await broker.startProcess();
    return broker;
  }

  private async startProcess(): Promise<void> {
    this.process = spawn(this.binary, ['-c', this.configFile], { stdio: 'ignore' });
    await waitForPort(this.port, 10_000);
  }

  /** Kills the broker (as a crash would: no persistence, retained messages are lost). */
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

/**
 * A block of UDP ports for baresip's RTP (`low-high`), different per test process so that two test runs on one
 * machine do not collide. `slot` separates the blocks one process uses.
 */
export function rtpRange(slot: number): string {
  const base = 30000 + ((process.pid % 60) * 5 + slot) * 100;
  return `${base}-${base + 99}`;
}
