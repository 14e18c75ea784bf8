// The Call Control websocket (3cx-xapi.md §5): `wss://…/callcontrol/ws` with the Bearer token in the upgrade, a
// ping every few seconds, and the connection cut when a pong does not come back in time.
import WebSocket from 'ws';
import type { PbxClient } from './client.ts';
import { PbxError } from './errors.ts';

export interface SocketOptions {
  onMessage: (data: string) => void;
  /** Once, however the connection ended (1006 when cut, or after a missed pong). */
  onClose: (code: number, reason: string) => void;
  pingMs?: number;
  /** How long a ping may go unanswered. */
  pongTimeoutMs?: number;
  openTimeoutMs?: number;
}

const ENDPOINT = '/callcontrol/ws';

export class CallControlSocket {
  private pingTimer?: NodeJS.Timeout;
  private pongTimer?: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly ws: WebSocket,
    /** The token the upgrade carried (forgotten by the client when the PBX closes the socket for it). */
    readonly token: string,
    private readonly options: SocketOptions,
  ) {}

  /** Opens the websocket; PbxError 'auth' on 401, 'http' with the status on other refusals, else 'network'. */
  static async open(client: PbxClient, options: SocketOptions): Promise<CallControlSocket> {
    const token = await client.accessToken();
    const { url, verifyTls, ca } = client.connection;
    const target = new URL(ENDPOINT, url);
    target.protocol = target.protocol === 'http:' ? 'ws:' : 'wss:';
    const ws = new WebSocket(target, {
      headers: { authorization: `Bearer ${token}` },
      rejectUnauthorized: verifyTls,
      ...(ca ? { ca } : {}),
      handshakeTimeout: options.openTimeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      const refuse = (error: PbxError) => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(error);
      };
      ws.once('open', () => {
        ws.removeAllListeners();
        resolve();
      });
      ws.once('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        refuse(
          status === 401
            ? new PbxError('auth', ENDPOINT, `refused the token of ${client.credentialName}`, 401)
            : new PbxError('http', ENDPOINT, `HTTP ${status}`, status),
        );
      });
      ws.once('error', (error: Error & { code?: string }) =>
        refuse(new PbxError('network', ENDPOINT, `${error.code ?? 'connection failed'}: ${error.message}`)),
      );
    });
    const socket = new CallControlSocket(ws, token, options);
    socket.listen();
    return socket;
  }

  private listen(): void {
    const { ws, options } = this;
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      options.onMessage(bytes.toString('utf8'));
    });
    ws.on('pong', () => clearTimeout(this.pongTimer));
    ws.on('error', () => ws.terminate());
    ws.on('close', (code: number, reason: Buffer) => this.ended(code, reason.toString('utf8')));
    const pongTimeoutMs = options.pongTimeoutMs ?? 5_000;
    this.pingTimer = setInterval(() => {
      ws.ping();
      clearTimeout(this.pongTimer);
      // No pong in time: the connection is dead even if TCP says otherwise.
      this.pongTimer = setTimeout(() => ws.terminate(), pongTimeoutMs);
    }, options.pingMs ?? 5_000);
  }

  private ended(code: number, reason: string): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    if (this.closed) return;
    this.closed = true;
    this.options.onClose(code, reason);
  }

  /** Closes it (onClose still runs once). */
  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'stopping');
    else this.ws.terminate();
    // A peer that never answers the close frame: cut it after a second.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }
}
