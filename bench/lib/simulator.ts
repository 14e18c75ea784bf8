// The simulator as its own process (`3cx2mqtt simulate`), and a client for its /sim/ scripting API and request log.
import { call } from '../../test/helpers/pbx-http.ts';
import { Child } from './children.ts';

export interface SimulatorOptions {
  extensions: number;
  ringGroups?: number;
  queues?: number;
  trunks?: number;
  seed?: number;
}

export interface LoggedRequest {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface SimState {
  extensions: string[];
  ring_groups: string[];
  queues: string[];
  trunks: { number: string; online: boolean; did: string; shows_did: boolean }[];
  active_calls: { id: number; status: string }[];
}

export class SimulatorProcess {
  private lastSeq = 0;

  private constructor(
    readonly child: Child,
    readonly url: string,
    readonly options: SimulatorOptions,
  ) {}

  /** Spawns `node dist/cli.js simulate --port 0 --traffic none …` and waits for its first line. */
  static async start(
    cli: string,
    options: SimulatorOptions,
    logDir: string,
    name = 'simulator',
  ): Promise<SimulatorProcess> {
    const args = [
      cli,
      'simulate',
      '--port',
      '0',
      '--traffic',
      'none',
      '--extensions',
      String(options.extensions),
    ];
    if (options.ringGroups !== undefined) args.push('--ring-groups', String(options.ringGroups));
    if (options.queues !== undefined) args.push('--queues', String(options.queues));
    if (options.trunks !== undefined) args.push('--trunks', String(options.trunks));
    args.push('--seed', String(options.seed ?? 1));
    const child = Child.spawn(name, process.execPath, args, { logDir });
    const match = await child.waitForLog(/^listening (https:\/\/127\.0\.0\.1:\d+)$/m, 60_000);
    return new SimulatorProcess(child, match[1]!, options);
  }

  /** A /sim/ scripting call; throws on an HTTP error. */
  async script<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await call(`${this.url}/sim/${path}`, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (answer.status >= 400) throw new Error(`sim ${method} ${path}: ${answer.status} ${answer.text}`);
    return (answer.text ? JSON.parse(answer.text) : {}) as T;
  }

  state(): Promise<SimState> {
    return this.script<SimState>('GET', 'state');
  }

  /** Requests the PBX received after `since` (a seq), oldest first. */
  async requestsSince(since: number): Promise<LoggedRequest[]> {
    const { requests } = await this.script<{ requests: LoggedRequest[] }>('GET', `requests?since=${since}`);
    if (requests.length > 0) this.lastSeq = Math.max(this.lastSeq, requests[requests.length - 1]!.seq);
    return requests;
  }

  /** The seq of the newest logged request: a mark to count from. */
  async mark(): Promise<number> {
    await this.requestsSince(this.lastSeq);
    return this.lastSeq;
  }

  async stop(): Promise<void> {
    await this.child.stop(3000);
  }
}

/** A request's path with entity keys folded (`Users(42)` → `Users(id)`), to count requests by kind. */
export function requestKind(entry: Pick<LoggedRequest, 'method' | 'path'>): string {
  return `${entry.method} ${entry.path.replace(/\([^)]*\)/g, '(id)')}`;
}

export function countByKind(entries: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries) counts[requestKind(entry)] = (counts[requestKind(entry)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}

/** The first page of a collection: one per poll of that collection. */
export function firstPageOf(set: string): (entry: LoggedRequest) => boolean {
  return (entry) =>
    entry.method === 'GET' && entry.path.endsWith(`/${set}`) && (entry.query.$skip ?? '0') === '0';
}
