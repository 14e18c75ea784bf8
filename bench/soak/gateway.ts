// The soak's gateway: the shipped CLI (`node dist/cli.js run`) on one config and database for the whole run,
// killed with SIGKILL and started again; each process logs to a file of its own and is sampled from /proc.
import { readdirSync } from 'node:fs';
import { Child } from '../lib/children.ts';
import { now } from '../lib/clock.ts';
import { writeGatewayConfig, type GatewaySetup } from '../lib/gateway.ts';
import { memory } from '../lib/proc.ts';
import { logProblems, type LogProblems } from './checks.ts';

export interface Incarnation {
  child: Child;
  /** The soak ended it (SIGKILL in the chaos, SIGINT at the end). */
  endedBySoak: boolean;
  /** [epoch ms, RSS MB] every few seconds while it ran. */
  rss: [number, number][];
  fds: [number, number][];
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

export class SoakGateway {
  readonly incarnations: Incarnation[] = [];
  private sampler?: NodeJS.Timeout;

  constructor(
    private readonly cli: string,
    private readonly runDir: string,
    private readonly name: string,
    readonly configFile: string,
  ) {}

  static configure(cli: string, runDir: string, setup: GatewaySetup): SoakGateway {
    const configFile = writeGatewayConfig(`${runDir}/${setup.name}`, setup);
    return new SoakGateway(cli, runDir, setup.name, configFile);
  }

  get current(): Incarnation | undefined {
    return this.incarnations.at(-1);
  }

  get alive(): boolean {
    return this.current?.child.alive === true;
  }

  /** Spawns a new gateway process; resolves when it says it is listening (its web server starts before the PBX side). */
  async start(): Promise<Incarnation> {
    const child = Child.spawn(
      `${this.name}-${this.incarnations.length + 1}`,
      process.execPath,
      [this.cli, 'run', '--config', this.configFile],
      { logDir: this.runDir },
    );
    const incarnation: Incarnation = { child, endedBySoak: false, rss: [], fds: [] };
    this.incarnations.push(incarnation);
    clearInterval(this.sampler);
    this.sampler = setInterval(() => this.sample(incarnation), 5000);
    await child.waitForLog(/dashboard and API listening/, 60_000);
    return incarnation;
  }

  private sample(incarnation: Incarnation): void {
    if (!incarnation.child.alive) return;
    try {
      incarnation.rss.push([now(), memory(incarnation.child.pid).rssMb]);
      incarnation.fds.push([now(), openFds(incarnation.child.pid)]);
    } catch {
      // exited between the check and the read
    }
  }

  /** SIGKILL: no offline message, no flush, as a power cut or the OOM killer. */
  async kill(): Promise<void> {
    const current = this.current;
    if (!current?.child.alive) return;
    current.endedBySoak = true;
    current.child.kill();
    await current.child.exited;
  }

  /** SIGINT, as a user stops it; true when it exited 0 in time. */
  async stop(): Promise<boolean> {
    clearInterval(this.sampler);
    const current = this.current;
    if (!current?.child.alive) return false;
    current.endedBySoak = true;
    const { killed } = await current.child.stop(8000);
    const { code } = await current.child.exited;
    return !killed && code === 0;
  }

  /** Processes that exited although the soak did not end them. */
  get unexpectedExits(): Incarnation[] {
    return this.incarnations.filter((i) => !i.child.alive && !i.endedBySoak);
  }

  /** What every process's log says, summed. */
  async problems(): Promise<LogProblems> {
    const total: LogProblems = { crashes: 0, unhandled_rejections: 0, errors: 0, examples: [] };
    for (const incarnation of this.incarnations) {
      const exit = incarnation.child.alive ? { code: 0 } : await incarnation.child.exited;
      const found = logProblems(
        incarnation.child.log(),
        incarnation.endedBySoak || incarnation.child.alive,
        exit.code,
      );
      total.crashes += found.crashes;
      total.unhandled_rejections += found.unhandled_rejections;
      total.errors += found.errors;
      total.examples.push(...found.examples.map((e) => `${incarnation.child.name}: ${e}`));
    }
    return total;
  }
}
