// The gateway's HTTP side from outside: timed GETs (/api/state) and a byte-counting /api/events (SSE) client.
import { get, type ClientRequest } from 'node:http';
import { now } from './clock.ts';

export interface TimedGet {
  status: number;
  bytes: number;
  /** Request sent to last byte received. */
  ms: number;
  /** The body, when asked for (small answers such as /metrics). */
  body?: string;
}

export function timedGet(url: string, timeoutMs = 120_000, keepBody = false): Promise<TimedGet> {
  return new Promise((resolve, reject) => {
    const started = now();
    const req = get(url, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody) chunks.push(chunk);
      });
      res.on('end', () => {
        const answer: TimedGet = { status: res.statusCode ?? 0, bytes, ms: now() - started };
        if (keepBody) answer.body = Buffer.concat(chunks).toString();
        resolve(answer);
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export interface SseChunk {
  at: number;
  bytes: number;
}

/** One dashboard's event stream: every byte counted, events counted by type; the first `state` kept apart. */
export class SseMeter {
  readonly chunks: SseChunk[] = [];
  readonly events: Record<string, number> = {};
  /** Bytes of the stream's preamble and initial snapshot (sent on connect, not per minute). */
  initialBytes = 0;
  private initialDone = false;
  private pending = '';
  private request?: ClientRequest;
  connectedAt = 0;

  /** Opens the stream; resolves once the initial snapshot has arrived (bounded). */
  open(baseUrl: string, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no initial SSE snapshot within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.request = get(`${baseUrl}/api/events`, { headers: { accept: 'text/event-stream' } }, (res) => {
        this.connectedAt = now();
        res.on('data', (chunk: Buffer) => {
          const at = now();
          if (!this.initialDone) {
            this.initialBytes += chunk.length;
            this.pending += chunk.toString();
            // The initial snapshot ends with its blank line after "event: state".
            const end = this.pending.indexOf('\n\n', this.pending.indexOf('event: state'));
            if (this.pending.includes('event: state') && end >= 0) {
              this.initialDone = true;
              const rest = this.pending.slice(end + 2);
              this.initialBytes -= Buffer.byteLength(rest);
              this.pending = '';
              if (rest) this.count(rest, at);
              clearTimeout(timer);
              resolve();
            }
            return;
          }
          this.count(chunk.toString(), at, chunk.length);
        });
        res.on('error', reject);
      });
      this.request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  private count(text: string, at: number, bytes = Buffer.byteLength(text)): void {
    this.chunks.push({ at, bytes });
    this.pending += text;
    const blocks = this.pending.split('\n\n');
    this.pending = blocks.pop() ?? '';
    for (const block of blocks) {
      const type = /^event: (.+)$/m.exec(block)?.[1] ?? (block.startsWith(':') ? 'comment' : 'message');
      this.events[type] = (this.events[type] ?? 0) + 1;
    }
  }

  bytesBetween(from: number, to: number): number {
    return this.chunks.filter((c) => c.at >= from && c.at < to).reduce((sum, c) => sum + c.bytes, 0);
  }

  close(): void {
    this.request?.destroy();
  }
}
