// HTTP helpers: JSON answers, security headers, bounded bodies, token checks in constant time.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

export const MAX_BODY = 64 * 1024;

export function securityHeaders(frameAncestors: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors ${frameAncestors}`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * How much of an oversized body is read and thrown away before answering, so the client, still sending, reads the
 * 413 instead of a reset connection. Past it the server answers and closes (a reset is then the client's risk).
 */
export const MAX_DISCARD = 1024 * 1024;

export class BodyTooLarge extends Error {
  /** False when the rest of the body was not read: answer with `connection: close`. */
  constructor(readonly drained: boolean) {
    super('body too large');
  }
}

/**
 * The request body, or BodyTooLarge past `limit` bytes, with Content-Length or chunked alike. An oversized body is
 * read to its end and discarded, up to MAX_DISCARD in all; only then does the promise settle.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_DISCARD) {
      reject(new BodyTooLarge(false));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > MAX_DISCARD) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge(false));
      }
    };
    req.on('data', onData);
    req.on('end', () => (size > limit ? reject(new BodyTooLarge(true)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** Constant-time comparison (hashes first, so lengths do not leak either). */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * A token from `Authorization: Bearer`, the `3cx2mqtt_token` cookie, or `?token=`. A cookie whose value is not valid
 * percent-encoding counts as absent (anyone can send one; it must not turn into a 500).
 */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer.trim();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== '3cx2mqtt_token') continue;
    const value = decodedOrUndefined(rest.join('='));
    if (value !== undefined) return value;
  }
  return url.searchParams.get('token') ?? undefined;
}

function decodedOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** What the Host check needs of web.*. */
export interface HostSettings {
  listen: string;
  public_url: string | null;
  auth_token: string | null;
}

/**
 * DNS rebinding: a page on an attacker's name that resolves to this gateway would read everything that needs no
 * token. Without web.auth_token, only loopback names, IP literals (rebinding needs a name), the host of web.listen
 * and that of web.public_url are served. Returns the reason to refuse, or undefined. With a token set there is
 * nothing to protect: the browser sends the attacker's name no cookie of ours.
 */
export function foreignHostReason(hostHeader: string | undefined, web: HostSettings): string | undefined {
  if (web.auth_token !== null || hostHeader === undefined) return undefined;
  const host = hostName(hostHeader);
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0 || host === 'localhost' || host.endsWith('.localhost'))
    return undefined;
  const known = [hostName(web.listen), ...(web.public_url ? [hostName(new URL(web.public_url).host)] : [])];
  if (known.includes(host)) return undefined;
  return `Host "${host.slice(0, 100)}" is not a name of this gateway (a DNS-rebinding page?): set web.public_url to the URL users reach it by, or set web.auth_token`;
}

/** The host of a Host header or host:port, lower case, without port and trailing dot. */
function hostName(hostPort: string): string {
  const host = hostPort.trim().toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}
