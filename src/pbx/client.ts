// The 3CX HTTP client: logs in, keeps one token fresh from its JWT exp, pages collections, and turns every failure
// into a PbxError (a failed request is never read as an empty answer).
import { performance } from 'node:perf_hooks';
import { decodeJwt } from 'jose';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { PbxError } from './errors.ts';

export type PbxCredentials =
  | { kind: 'client'; clientId: string; clientSecret: string }
  | { kind: 'user'; username: string; password: string; securityCode?: string | null };

export interface PbxClientOptions {
  url: string;
  credentials: PbxCredentials;
  verifyTls?: boolean;
  /** PEM text of a CA (or the PBX's own self-signed certificate) to trust. */
  ca?: string | null;
  timeoutMs?: number;
  /** Renew this long before the token's exp. */
  renewMarginMs?: number;
  now?: () => number;
  /** Observes every HTTP exchange (for metrics): endpoint, status (0 when none), duration. */
  onRequest?: (endpoint: string, status: number, durationMs: number) => void;
}

interface Token {
  value: string;
  expiresAt: number;
  /** When to log in again: the renewal margin before expiry, or half-way for a token that lives less than twice it. */
  renewAt: number;
}

const PAGE_SIZE = 100;
const MAX_PAGES = 1000; // 100,000 rows: far beyond any PBX, and a bound on a server that never sends a short page
const MAX_ROWS = MAX_PAGES * PAGE_SIZE;
/** A day of call log on a very busy PBX is about 20 MB. */
const MAX_ANSWER_BYTES = 64 * 1048576;

export class PbxClient {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly renewMarginMs: number;
  private readonly now: () => number;
  private token?: Token;
  private refreshToken?: string;
  private pendingLogin?: Promise<Token>;
  /** Token requests made, for metrics and tests. */
  logins = 0;
  /** Refused logins in a row (several pollers waiting on one refused login count once). */
  consecutiveLoginFailures = 0;

  constructor(private readonly options: PbxClientOptions) {
    this.base = new URL(options.url);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.renewMarginMs = options.renewMarginMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      connections: 4,
      connect: { rejectUnauthorized: options.verifyTls ?? true, ...(options.ca ? { ca: options.ca } : {}) },
    });
  }

  /** "client credentials (client_id x)" or "user login (600)": names the credential, never its secret. */
  get credentialName(): string {
    const c = this.options.credentials;
    return c.kind === 'client'
      ? `client credentials (client_id ${c.clientId})`
      : `user login (${c.username})`;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** GET below /xapi/v1/, parsed by `parse`; one re-login and retry on 401. */
  async get<T>(path: string, parse: (body: unknown) => T): Promise<T> {
    return parse(await this.xapi('GET', path));
  }

  /** Every row of a collection, $top=100 and $skip until a short page. */
  async getAll<T>(set: string, query: Record<string, string>, parseRow: (row: unknown) => T): Promise<T[]> {
    const rows: T[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const path = `${set}?${encodeQuery({ ...query, $top: String(PAGE_SIZE), $skip: String(page * PAGE_SIZE) })}`;
      const value = pageRows(await this.xapi('GET', path), set);
      if (rows.length + value.length > MAX_ROWS)
        throw new PbxError('parse', set, `more than ${MAX_ROWS} rows: refused`);
      for (const row of value) rows.push(parseRow(row)); // no spread: a page can hold 100,000 rows
      // A short page ends the set; a page longer than $top means paging was ignored: that page is the whole set.
      if (value.length < PAGE_SIZE || value.length > PAGE_SIZE) return rows;
    }
    throw new PbxError('parse', set, `more than ${MAX_PAGES} pages`);
  }

  /** Any xAPI request; returns parsed JSON (undefined for 204). */
  async xapi(method: string, path: string, body?: unknown): Promise<unknown> {
    const endpoint = endpointName(path);
    let token = await this.validToken();
    let answer = await this.send(method, `/xapi/v1/${path}`, endpoint, token, body);
    if (answer.status === 401) {
      // The token was replaced (another client with our id) or the PBX restarted: log in again, once.
      if (this.token?.value === token.value) this.token = undefined;
      token = await this.validToken();
      answer = await this.send(method, `/xapi/v1/${path}`, endpoint, token, body);
    }
    if (answer.status === 401)
      throw new PbxError('auth', endpoint, `refused the token of ${this.credentialName}`, 401);
    if (answer.status === 204) return undefined;
    if (answer.status < 200 || answer.status >= 300) {
      throw new PbxError(
        'http',
        endpoint,
        `HTTP ${answer.status}${describeErrorBody(answer.text)}`,
        answer.status,
      );
    }
    return parseJsonAnswer(answer.text, endpoint, answer.status);
  }

  /** A binary GET below /xapi/v1/ (recordings), streamed; one re-login on 401. */
  async download(
    path: string,
  ): Promise<{ status: number; contentType: string; body: NodeJS.ReadableStream }> {
    const endpoint = endpointName(path);
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.validToken();
      let response;
      try {
        response = await request(new URL(`/xapi/v1/${path}`, this.base), {
          method: 'GET',
          headers: { authorization: `Bearer ${token.value}` },
          dispatcher: this.dispatcher,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
      } catch (error) {
        throw networkError(endpoint, error, this.timeoutMs);
      }
      if (response.statusCode === 401 && attempt === 0) {
        await response.body.dump();
        if (this.token?.value === token.value) this.token = undefined;
        continue;
      }
      const type = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType: typeof type === 'string' ? type : 'application/octet-stream',
        body: response.body,
      };
    }
    throw new PbxError('auth', endpoint, `refused the token of ${this.credentialName}`, 401);
  }

  private async send(
    method: string,
    path: string,
    endpoint: string,
    token: Token | undefined,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ) {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (token) headers.authorization = `Bearer ${token.value}`;
    let payload: string | undefined;
    if (body !== undefined) {
      if (typeof body === 'string') {
        payload = body;
      } else {
        payload = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
    }
    const started = performance.now();
    try {
      const response = await request(new URL(path, this.base), {
        method: method,
        headers,
        body: payload,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await boundedText(response.body, endpoint);
      this.options.onRequest?.(endpoint, response.statusCode, performance.now() - started);
      return { status: response.statusCode, text, headers: response.headers };
    } catch (error) {
      this.options.onRequest?.(endpoint, 0, performance.now() - started);
      if (error instanceof PbxError) throw error;
      throw networkError(endpoint, error, this.timeoutMs);
    }
  }

  private async validToken(): Promise<Token> {
    if (this.token && this.now() < this.token.renewAt) return this.token;
    // One token request in flight: 3CX keeps one active token per client, so parallel logins undo each other.
    this.pendingLogin ??= this.login()
      .then(
        (token) => {
          this.consecutiveLoginFailures = 0;
          return token;
        },
        (error: unknown) => {
          if (error instanceof PbxError && error.kind === 'auth') this.consecutiveLoginFailures++;
          throw error;
        },
      )
      .finally(() => {
        this.pendingLogin = undefined;
      });
    this.token = await this.pendingLogin;
    return this.token;
  }

  private async login(): Promise<Token> {
    const c = this.options.credentials;
    this.logins++;
    if (c.kind === 'client') {
      const form = new URLSearchParams({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        grant_type: 'client_credentials',
      });
      return this.tokenFrom(await this.postForm('/connect/token', form));
    }
    if (this.refreshToken) {
      const form = new URLSearchParams({ client_id: 'Webclient', grant_type: 'refresh_token' });
      try {
        return this.tokenFrom(
          await this.postForm('/connect/token', form, { cookie: `RefreshTokenCookie=${this.refreshToken}` }),
        );
      } catch (error) {
        if (!(error instanceof PbxError) || error.kind !== 'auth') throw error;
        this.refreshToken = undefined; // expired or used: fall back to the password
      }
    }
    const endpoint = '/webclient/api/Login/GetAccessToken';
    const answer = await this.send('POST', endpoint, endpoint, undefined, {
      Username: c.username,
      Password: c.password,
      SecurityCode: c.securityCode ?? '',
    });
    const parsed = parseJson(answer.text) as { Status?: unknown; Token?: unknown } | undefined;
    if (answer.status !== 200 || parsed?.Status !== 'AuthSuccess') {
      const status = typeof parsed?.Status === 'string' ? parsed.Status : `HTTP ${answer.status}`;
      throw new PbxError('auth', endpoint, `${this.credentialName} was refused (${status})`, answer.status);
    }
    return this.tokenFrom(parsed.Token);
  }

  private async postForm(
    path: string,
    form: URLSearchParams,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const answer = await this.send('POST', path, path, undefined, form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });
    const parsed = parseJson(answer.text);
    if (answer.status === 400 || answer.status === 401 || answer.status === 403) {
      const reason = (parsed as { error?: unknown } | undefined)?.error;
      throw new PbxError(
        'auth',
        path,
        `${this.credentialName} was refused (${typeof reason === 'string' ? reason : `HTTP ${answer.status}`})`,
        answer.status,
      );
    }
    if (answer.status !== 200)
      throw new PbxError(
        'http',
        path,
        `HTTP ${answer.status}${describeErrorBody(answer.text)}`,
        answer.status,
      );
    return parsed;
  }

  private tokenFrom(body: unknown): Token {
    const now = this.now();
    const { refreshToken, ...token } = tokenFromAnswer(body, now);
    if (refreshToken) this.refreshToken = refreshToken;
    return { ...token, renewAt: token.expiresAt - Math.min(this.renewMarginMs, (token.expiresAt - now) / 2) };
  }
}

/**
 * The token in a /connect/token answer (or a user login's `Token`): its value, when it expires, and the refresh
 * token if one came; PbxError('parse') when there is no access token. Pure, for the fuzz tests.
 */
export function tokenFromAnswer(
  body: unknown,
  now: number,
): { value: string; expiresAt: number; refreshToken?: string } {
  const tokens = body as
    { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown } | undefined;
  if (typeof tokens?.access_token !== 'string')
    throw new PbxError('parse', '/connect/token', 'no access_token in the answer');
  // It goes into an Authorization header: visible ASCII only (no empty token, no line break).
  if (!/^[\x21-\x7e]+$/.test(tokens.access_token))
    throw new PbxError(
      'parse',
      '/connect/token',
      'the access_token is empty or has characters no HTTP header takes',
    );
  let exp: unknown;
  try {
    exp = decodeJwt(tokens.access_token).exp;
  } catch {
    exp = undefined;
  }
  // The JWT's exp is the truth; expires_in changed its unit in 20.0.9, so without exp assume a minute. An exp already
  // past (the PBX's clock behind ours) is no expiry to plan by either: a minute too, then the next login.
  const expMs = typeof exp === 'number' ? exp * 1000 : NaN;
  const expiresAt = Number.isFinite(expMs) && expMs > now ? expMs : now + 60_000;
  return {
    value: tokens.access_token,
    expiresAt,
    ...(typeof tokens.refresh_token === 'string' && tokens.refresh_token
      ? { refreshToken: tokens.refresh_token }
      : {}),
  };
}

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
async function boundedText(body: AsyncIterable<Buffer>, endpoint: string): Promise<string> {
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

function encodeQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
}

function endpointName(path: string): string {
  return path.split('?')[0]!.replace(/\(\d+\)/g, '({Id})');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeErrorBody(text: string): string {
  const message = (parseJson(text) as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
}

function networkError(endpoint: string, error: unknown, timeoutMs: number): PbxError {
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
