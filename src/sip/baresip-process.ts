// Runs baresip as a child process: restarts it after a crash with backoff, stops it with TERM then a second TERM.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log.ts';
import { stripAnsi } from './ctrl-client.ts';

export class BaresipProcess {
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  /** Called after every (re)start, for the controller to reconnect and resync. */
  onStart?: () => void;

  constructor(
    private readonly binary: string,
    private readonly configDir: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopping = false;
    // Arguments only, never a shell: nothing from MQTT or the PBX reaches a command line.
    const child = spawn(this.binary, ['-f', this.configDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let tail = '';
    child.stdout?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
    child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
    child.on('error', (error) =>
      this.log.error({ err: error.message, binary: this.binary }, 'baresip could not be started'),
    );
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.restarts++, 5));
      this.log.warn(
        { code, signal, restartInMs: delay, output: stripAnsi(tail).slice(-500) },
        'baresip exited; restarting',
      );
      this.restartTimer = setTimeout(() => this.start(), delay);
    });
    child.on('spawn', () => this.onStart?.());
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** For tests and the supervisor: the process id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The first TERM waits for SIP transactions (up to 32 s); a second one exits at once (baresip.md §9). */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const second = setTimeout(() => child.kill('SIGTERM'), graceMs);
    const last = setTimeout(() => child.kill('SIGKILL'), graceMs * 2);
    await exited;
    clearTimeout(second);
    clearTimeout(last);
  }
}
