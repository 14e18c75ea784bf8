// The soak's mosquitto: one port for the whole run, killed and started again on it (no persistence, so every
// restart loses the retained tree and the gateway must publish it again).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, mosquittoBinary } from '../../test/helpers/mosquitto.ts';
import { portOpen } from '../lib/broker.ts';
import { Child } from '../lib/children.ts';
import { waitUntil } from '../lib/clock.ts';

export class RestartableBroker {
  private child?: Child;
  private starts = 0;

  private constructor(
    private readonly binary: string,
    private readonly configFile: string,
    private readonly logDir: string,
    private readonly name: string,
    readonly port: number,
  ) {}

  /** A mosquitto on a free loopback port; the soak needs the real one (a restart of an embedded broker is not one). */
  static async start(logDir: string, name = 'broker'): Promise<RestartableBroker> {
    const binary = mosquittoBinary();
    if (!binary) throw new Error('the soak needs mosquitto (apt-get install mosquitto)');
    const port = await freePort();
    const configFile = join(logDir, `${name}.conf`);
    writeFileSync(
      configFile,
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nlog_type error\n`,
    );
    const broker = new RestartableBroker(binary, configFile, logDir, name, port);
    await broker.up();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts mosquitto on the port (again); resolves when it listens. */
  async up(): Promise<void> {
    const child = Child.spawn(`${this.name}-${++this.starts}`, this.binary, ['-c', this.configFile], {
      logDir: this.logDir,
    });
    this.child = child;
    await waitUntil(
      `${this.name} listening on ${this.port}`,
      async () => !child.alive || (await portOpen(this.port)),
      15_000,
      20,
    );
    if (!child.alive) throw new Error(`${this.name} exited at start; log ${child.logFile}:\n${child.log()}`);
  }

  /** Kills it (SIGKILL: gone at once; SIGINT: mosquitto closes its clients first); resolves when it has exited. */
  async down(signal: 'SIGKILL' | 'SIGINT'): Promise<void> {
    const child = this.child;
    if (!child?.alive) return;
    if (signal === 'SIGKILL') child.kill();
    else await child.stop(3000);
    await child.exited;
  }

  async stop(): Promise<void> {
    await this.child?.stop(3000);
  }
}
