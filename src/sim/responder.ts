// Answering one request: the request log entry, and the failures /sim/fault asks for (a replaced answer, a reset,
// a hang, or a real answer spoiled: cut off mid-body, mistyped, or 20 MB).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimClock } from './clock.ts';
import {
  faultApplies,
  faultReply,
  huge,
  isBodyFault,
  wrongTypes,
  type Fault,
  type FaultMode,
} from './faults.ts';
import { safeDecode } from './http-io.ts';
import type { Reply } from './reply.ts';
import type { RequestLog } from './request-log.ts';

export class Responder {
  private readonly hung = new Set<ServerResponse>();
  /** Body faults wait for the real answer of their request. */
  private readonly bodyFaults = new WeakMap<ServerResponse, Fault>();

  constructor(
    private readonly log: RequestLog,
    private readonly clock: SimClock,
    private readonly faults: { current?: Fault },
  ) {}

  /** Logs a request with the status it got (0: none, reset or hung); /sim requests are not logged. */
  record(req: IncomingMessage, status: number, fault?: FaultMode): void {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (url.pathname.startsWith('/sim/')) return;
    this.log.add({
      time: new Date(this.clock.now()).toISOString(),
      method: req.method ?? 'GET',
      path: safeDecode(url.pathname),
      query: Object.fromEntries(url.searchParams),
      status,
      ...(fault ? { fault } : {}),
    });
  }

  send(req: IncomingMessage, res: ServerResponse, reply: Reply, replacedBy?: FaultMode): void {
    const fault = this.bodyFaults.get(res);
    if (fault?.mode === 'truncated') return this.truncate(req, res, reply);
    const answer =
      fault?.mode === 'wrong-types'
        ? wrongTypes(reply, fault.applied ?? 1)
        : fault?.mode === 'huge'
          ? huge(reply)
          : reply;
    this.record(req, answer.status, fault?.mode ?? replacedBy);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  /** Declares the whole body, sends half of it, and drops the connection: a transfer cut off. */
  private truncate(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    const body = Buffer.from(reply.body ?? '');
    this.record(req, reply.status, 'truncated');
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
  }

  /**
   * Applies the current fault, if it covers the request: answers true when the fault has answered it (or reset or
   * held it); a body fault answers false and spoils the real answer in send().
   */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const fault = faultApplies(this.faults, url.pathname, safeDecode(url.pathname));
    if (!fault) return false;
    if (isBodyFault(fault.mode)) {
      this.bodyFaults.set(res, { ...fault });
      return false;
    }
    switch (fault.mode) {
      case 'reset':
        this.record(req, 0, 'reset');
        req.socket.destroy();
        break;
      case 'hang':
        this.record(req, 0, 'hang');
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        break;
      default:
        this.send(req, res, faultReply(fault.mode), fault.mode);
    }
    return true;
  }

  /** Ends every held request by closing its connection. */
  releaseHung(): void {
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
  }
}
