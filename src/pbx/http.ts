// Plumbing of the 3CX HTTP client: bounded bodies, JSON parsing, error texts without secrets, endpoint names.
import { errors as undiciErrors } from 'undici';
import { PbxError } from './errors.ts';

/** A day of call log on a very busy PBX is about 20 MB. */
const MAX_ANSWER_BYTES = 64 * 1048576;

/** A successful answer's body as JSON, or PbxError('parse'). */
export function parseJsonAnswer(text: string, endpoint: string, status: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PbxError('parse', endpoint, `the answer is not JSON (${text.length} bytes)`, status);
  }
}

/** The rows of one page of a collection (`{"value": [...]}`), or PbxError('parse'). */
export function pageRows(body: unknown, set: string): unknown[] {
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) throw new PbxError('parse', set, 'the answer has no "value" array');
  return value;
}

/** A response body as text, refused past MAX_ANSWER_BYTES (a PBX answer is never that large; a broken one can be). */
export async function boundedText(body: AsyncIterable<Buffer>, endpoint: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES)
      throw new PbxError(
        'parse',
        endpoint,
        `the answer is larger than ${MAX_ANSWER_BYTES / 1048576} MB: refused`,
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function encodeQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
}

export function endpointName(path: string): string {
  return path.split('?')[0]!.replace(/\(\d+\)/g, '({Id})');
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeErrorBody(text: string): string {
  const message = (parseJson(text) as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? `: ${pbxText(message, 200)}` : '';
}

/** A non-2xx answer as an error: the status, and the PBX's own message when its body carries one. */
export function httpError(endpoint: string, answer: { status: number; text: string }): PbxError {
  return new PbxError(
    'http',
    endpoint,
    `HTTP ${answer.status}${describeErrorBody(answer.text)}`,
    answer.status,
  );
}

/**
 * A text the PBX sent, fit to quote in an error (a log line, bridge/response, check-config): control characters and
 * line breaks as spaces, at most `max` characters.
 */
export function pbxText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const oneLine = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

export function networkError(endpoint: string, error: unknown, timeoutMs: number): PbxError {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  ) {
    return new PbxError('timeout', endpoint, `no answer within ${timeoutMs} ms`);
  }
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return new PbxError(
    'network',
    endpoint,
    `${typeof code === 'string' ? code : typeof cause === 'string' ? cause : 'connection failed'}: ${(error as Error).message}`,
  );
}
