// baresip's ctrl_tcp: one persistent connection, netstring JSON commands with a token and a timeout, events.
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import type { Logger } from '../log.ts';
import { encodeNetstring, NetstringDecoder } from './netstring.ts';

export interface BaresipEvent {
  type: string;
  class?: string;
  id?: string;
  direction?: string;
  param?: string;
  peeruri?: string;
  accountaor?: string;
}

export interface CommandAnswer {
  ok: boolean;
  data: string;
}

interface CtrlEvents {
  event: [BaresipEvent];
  connected: [];
  disconnected: [];
}

/** ANSI colour codes appear in baresip's UI text (baresip.md §12.16). */
// eslint-disable-next-line no-control-regex -- ANSI escapes start with ESC
export const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

export class BaresipCtrl extends EventEmitter<CtrlEvents> {
  private socket?: Socket;
  private decoder = new NetstringDecoder();
  private readonly pending = new Map<
    string,
    { resolve: (a: CommandAnswer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private nextToken = 0;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly log: Logger,
  ) {
    super();
  }

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && !this.socket.connecting;
  }

  /** Connects, and keeps reconnecting with backoff until close(). */
  start(): void {
    this.closed = false;
    this.open();
  }

  private open(): void {
    if (this.closed) return;
    const socket = createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.decoder = new NetstringDecoder();
    socket.on('connect', () => {
      this.failures = 0;
      this.emit('connected');
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: string[];
      try {
        frames = this.decoder.push(chunk);
      } catch (error) {
        this.log.warn(
          { err: (error as Error).message },
          'baresip ctrl_tcp sent a broken frame; reconnecting',
        );
        socket.destroy();
        return;
      }
      for (const frame of frames) this.onFrame(frame);
    });
    socket.on('error', () => undefined); // 'close' follows and handles it
    socket.on('close', () => {
      const wasConnected = !socket.connecting;
      for (const [token, waiting] of this.pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error('baresip ctrl_tcp connection closed'));
        this.pending.delete(token);
      }
      if (wasConnected) this.emit('disconnected');
      if (this.closed) return;
      const delay = Math.min(10_000, 200 * 2 ** Math.min(this.failures++, 6));
      this.retryTimer = setTimeout(() => this.open(), delay);
    });
  }

  private onFrame(frame: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(frame) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message.response === true && typeof message.token === 'string') {
      const waiting = this.pending.get(message.token);
      if (!waiting) return;
      clearTimeout(waiting.timer);
      this.pending.delete(message.token);
      waiting.resolve({
        ok: message.ok === true,
        data: stripAnsi(typeof message.data === 'string' ? message.data : ''),
      });
    } else if (message.event === true && typeof message.type === 'string') {
      this.emit('event', message as unknown as BaresipEvent);
    }
  }

  /** Runs one command; every command has a token and a timeout (some baresip errors send no answer at all). */
  command(command: string, params?: string, timeoutMs = 5000): Promise<CommandAnswer> {
    const socket = this.socket;
    if (!socket || !this.connected) return Promise.reject(new Error('baresip ctrl_tcp is not connected'));
    const token = `t${++this.nextToken}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip did not answer "${command}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, { resolve, reject, timer });
      socket.write(
        encodeNetstring(JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token })),
      );
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }
}
