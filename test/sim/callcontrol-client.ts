// Test helper: a real Call Control websocket client (ws, trusting the simulator's self-signed certificate)
// that records every event, plus REST calls with the same token.
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { Participant } from '../../src/sim/callcontrol/participants.ts';
import { call, type HttpAnswer, type SimHarness } from '../helpers/pbx-http.ts';

export interface WireEvent {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: unknown };
}

export type { Participant } from '../../src/sim/callcontrol/participants.ts';
export type { DnInfo } from '../../src/sim/callcontrol/rest.ts';

/** What makecall and the participant actions answer. */
export interface ControlResult {
  finalstatus: string;
  reason: string;
  reasontext: string;
  result: Participant;
}

/** Asserts the participant has these values (the others may be anything). */
export function assertFields(participant: Participant, expected: Partial<Participant>): void {
  const actual = Object.fromEntries(
    Object.keys(expected).map((k) => [k, participant[k as keyof Participant]]),
  );
  assert.deepEqual(actual, expected);
}

/** Polls until `check` returns a value (not undefined/false), or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function wsUrl(sim: SimHarness): string {
  return `${sim.url.replace(/^https/, 'wss')}/callcontrol/ws`;
}

/** Opens a websocket; resolves with the HTTP status when the upgrade is refused. */
export function refusedUpgrade(sim: SimHarness, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(sim), { headers, ca: sim.simulator.certificate });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', () => undefined);
  });
}

export class CallControlClient {
  readonly events: WireEvent[] = [];
  closed?: { code: number; reason: string };

  private constructor(
    readonly sim: SimHarness,
    readonly token: string,
    readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer) => this.events.push(JSON.parse(data.toString('utf8')) as WireEvent));
    ws.on('close', (code: number, reason: Buffer) => (this.closed = { code, reason: reason.toString() }));
  }

  static async connect(sim: SimHarness, token: string): Promise<CallControlClient> {
    const ws = new WebSocket(wsUrl(sim), {
      headers: { authorization: `Bearer ${token}` },
      ca: sim.simulator.certificate,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new CallControlClient(sim, token, ws);
  }

  /** `path` below /callcontrol, or a whole entity path as events name them (`/callcontrol/101/…`). */
  rest(path: string, method = 'GET', body?: unknown): Promise<HttpAnswer> {
    const below = path.startsWith('/callcontrol') ? path.slice('/callcontrol'.length) : path;
    return call(`${this.sim.url}/callcontrol${below}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  }

  async json<T>(path: string): Promise<T> {
    const answer = await this.rest(path);
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status}`);
    return answer.json<T>();
  }

  /** Events after index `from`, once at least `count` have arrived. */
  async next(from: number, count: number): Promise<WireEvent[]> {
    await eventually(() => this.events.length >= from + count, `${count} events after #${from}`);
    return this.events.slice(from);
  }

  /** Pings and reports whether a pong came back within `ms`. */
  pongWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.off('pong', onPong);
        resolve(false);
      }, ms);
      const onPong = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.ws.once('pong', onPong);
      this.ws.ping();
    });
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    return eventually(() => this.closed, 'the websocket to close');
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Each event as `+101` (upsert at DN 101), `-101` (remove) or `#101` (DTMF): what a test compares. */
export function shape(events: readonly WireEvent[]): string[] {
  return events.map((e) => `${['+', '-', '#'][e.event.event_type] ?? '?'}${e.event.entity.split('/')[2]!}`);
}
