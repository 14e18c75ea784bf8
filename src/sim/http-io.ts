// Reading requests: bodies with a size cap, urlencoded and multipart forms, cookies, percent-decoding.
import type { IncomingMessage } from 'node:http';

const MAX_BODY = 1024 * 1024;

/** The whole body, or undefined when it is larger than 1 MB. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readForm(req: IncomingMessage, body: Buffer): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    // 3CX's own TypeScript sample posts FormData; the PBX accepts it as well as urlencoded.
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
    const params = new URLSearchParams();
    form.forEach((value, key) => params.set(key, typeof value === 'string' ? value : value.name));
    return params;
  }
  return new URLSearchParams(body.toString('utf8'));
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

export function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The bearer token of a request, if it sent one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
}
