// Child processes of a benchmark: output to a log file, bounded waits on it, and every child killed on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { now, sleep } from './clock.ts';

const running = new Set<Child>();

export class Child {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
    readonly logFile: string,
    /** Epoch ms taken just before the spawn (start-up figures count from here). */
    readonly spawnedAt: number,
  ) {
    this.exited = new Promise((resolve) =>
      process.once('exit', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
      }),
    );
    running.add(this);
  }

  /** Starts `command args`, stdout and stderr both into `<logDir>/<name>.log` (the bench reads no pipe). */
  static spawn(
    name: string,
    command: string,
    args: readonly string[],
    options: { logDir: string; env?: Record<string, string>; cwd?: string },
  ): Child {
    const logFile = join(options.logDir, `${name}.log`);
    const fd = openSync(logFile, 'w');
    const spawnedAt = now();
    try {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
        stdio: ['ignore', fd, fd],
      });
      if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
      return new Child(name, child, logFile, spawnedAt);
    } finally {
      closeSync(fd);
    }
  }

  get pid(): number {
    return this.process.pid!;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits until the log matches, at most timeoutMs; fails at once if the child has exited. */
  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 100_000; attempt++) {
      const match = pattern.exec(this.log());
      if (match) return match;
      if (!this.alive) break;
      if (Date.now() >= deadline) break;
      await sleep(25);
    }
    const tail = this.log().split('\n').slice(-15).join('\n');
    throw new Error(
      `${this.name} ${this.alive ? `printed no ${pattern} within ${timeoutMs} ms` : 'exited'}; log ${this.logFile}:\n${tail}`,
    );
  }

  /**
   * Asks the child to stop (SIGINT, so a gateway writes its CPU profile), SIGKILL after graceMs; says how long it
   * took and whether it had to be killed.
   */
  async stop(graceMs = 6000): Promise<{ ms: number; killed: boolean }> {
    if (!this.alive) return { ms: 0, killed: false };
    const started = now();
    this.process.kill('SIGINT');
    const stopped = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!stopped) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
    return { ms: now() - started, killed: !stopped };
  }

  kill(): void {
    if (this.alive) this.process.kill('SIGKILL');
  }
}

/** Kills every child still running (synchronous, so it also works in an 'exit' handler). */
export function killAllChildren(): void {
  for (const child of running) child.kill();
}

/** Children die with the bench: on normal exit, Ctrl-C, SIGTERM and on an uncaught failure. */
export function killChildrenOnExit(): void {
  process.once('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping ${running.size} child process(es)`);
      killAllChildren();
      process.exit(130);
    });
  }
  process.once('uncaughtException', (error) => {
    console.error(error);
    killAllChildren();
    process.exit(1);
  });
}
