// Test helper: runs the built CLI (dist/cli.js) as a user would, collecting its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { killOnExit } from './components.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');

export function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-cli-'));
  const path = join(dir, 'config.yaml');
  // Each run its own database unless the test names one.
  writeFileSync(path, stringify({ history: { database: join(dir, 'calls.db') }, ...config }));
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
}
