// Test helper: HTTP/1.1 over a plain socket, for requests a polite client would not send (any Host header, chunked
// bodies of any size) and for seeing how the server ends the connection (answer, close, or reset).
import { connect } from 'node:net';

export interface RawAnswer {
  /** 0 when no status line arrived. */
  status: number;
  headers: Record<string, string>;
  text: string;
  /** How the connection ended: the server closed it, reset it, or the deadline passed. */
  ended: 'closed' | 'reset' | 'timeout';
}

export interface RawRequest {
  method?: string;
  path?: string;
  /** Sent as given; `host` defaults to 127.0.0.1:<port>, `null` leaves it out. */
  headers?: Record<string, string | null>;
  body?: string | Buffer;
  /** Send the body as chunks of this many bytes (Transfer-Encoding: chunked) instead of with Content-Length. */
  chunkSize?: number;
  timeoutMs?: number;
}

export function rawHttp(port: number, request: RawRequest = {}): Promise<RawAnswer> {
  const body =
    typeof request.body === 'string' ? Buffer.from(request.body) : (request.body ?? Buffer.alloc(0));
  const headers: Record<string, string | null> = {
    host: `127.0.0.1:${port}`,
    connection: 'close',
    ...(request.body === undefined
      ? {}
      : request.chunkSize
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(body.length) }),
    ...request.headers,
  };
  const head =
    `${request.method ?? 'GET'} ${request.path ?? '/'} HTTP/1.1\r\n` +
    Object.entries(headers)
      .filter((entry): entry is [string, string] => entry[1] !== null)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    let ended: RawAnswer['ended'] | undefined;
    const finish = (how: RawAnswer['ended']) => {
      if (ended) return;
      ended = how;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(received), how));
    };
    const timer = setTimeout(() => finish('timeout'), request.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(error.code === 'ECONNRESET' ? 'reset' : 'closed'),
    );
    socket.on('connect', () => {
      socket.write(head);
      if (request.chunkSize) {
        // Chunk by chunk, stopping quietly if the server has answered and closed meanwhile.
        for (let offset = 0; offset < body.length && !socket.destroyed; offset += request.chunkSize) {
          const chunk = body.subarray(offset, offset + request.chunkSize);
          socket.write(`${chunk.length.toString(16)}\r\n`);
          socket.write(chunk);
          socket.write('\r\n');
        }
        if (!socket.destroyed) socket.write('0\r\n\r\n');
      } else if (body.length > 0) socket.write(body);
    });
  });
}

function parse(raw: Buffer, ended: RawAnswer['ended']): RawAnswer {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let bodyText = split >= 0 ? text.slice(split + 4) : '';
  if (headers['transfer-encoding'] === 'chunked') bodyText = dechunk(bodyText);
  return { status, headers, text: bodyText, ended };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (let i = 0; i < 10_000; i++) {
    const line = rest.indexOf('\r\n');
    if (line < 0) break;
    const size = parseInt(rest.slice(0, line), 16);
    if (!(size > 0)) break;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 4 + size);
  }
  return out;
}
