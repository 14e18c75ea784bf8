// The 3CX HTTP client: logs in, keeps one token fresh from its JWT exp, pages collections, and turns every failure
// into a PbxError (a failed request is never read as an empty answer).
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import { credentialName, PbxLogin, type HeldToken, type PbxCredentials } from './auth.ts';
import { PbxError } from './errors.ts';
import {
  boundedText,
  httpError,
  encodeQuery,
  endpointName,
  networkError,
  pageRows,
  parseJsonAnswer,
} from './http.ts';

export { pageRows, parseJsonAnswer } from './http.ts';

export type { PbxCredentials } from './auth.ts';

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

/** Remembers page texts and the rows parsed from them, so an unchanged page is not parsed again. */
export interface PageMemory<T> {
  /** The rows parsed from this page at the last read, when its text is the same; else undefined. */
  recall(page: number, text: string): readonly T[] | undefined;
  /** The rows just parsed (since the last remember) came from this page text. */
  remember(page: number, text: string): void;
}

/** Parses one row of a collection; may carry a page memory. */
export interface RowParser<T> {
  (row: unknown): T;
  pages?: PageMemory<T>;
}

const PAGE_SIZE = 100;
const MAX_PAGES = 1000; // 100,000 rows: far beyond any PBX, and a bound on a server that never sends a short page
const MAX_ROWS = MAX_PAGES * PAGE_SIZE;

export class PbxClient {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly renewMarginMs: number;
  private readonly now: () => number;
  private token?: HeldToken;
  private readonly auth: PbxLogin;
  private pendingLogin?: Promise<HeldToken>;
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
    this.auth = new PbxLogin(options.credentials, (...args) => this.send(...args), this.now);
  }

  private async login(): Promise<HeldToken> {
    this.logins++;
    const now = this.now();
    const token = await this.auth.login();
    return { ...token, renewAt: token.expiresAt - Math.min(this.renewMarginMs, (token.expiresAt - now) / 2) };
  }

  /** "client credentials (client_id x)" or "user login (600)": names the credential, never its secret. */
  get credentialName(): string {
    return credentialName(this.options.credentials);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** GET below /xapi/v1/, parsed by `parse`; one re-login and retry on 401. */
  async get<T>(path: string, parse: (body: unknown) => T): Promise<T> {
    return parse(await this.xapi('GET', path));
  }

  /**
   * Every row of a collection, $top=100 and $skip until a short page. With `parseRow.pages`, a page whose text is
   * the same as at the last read takes the rows parsed then, without parsing the text again.
   */
  async getAll<T>(set: string, query: Record<string, string>, parseRow: RowParser<T>): Promise<T[]> {
    const rows: T[] = [];
    const { pages } = parseRow;
    for (let page = 0; page < MAX_PAGES; page++) {
      const path = `${set}?${encodeQuery({ ...query, $top: String(PAGE_SIZE), $skip: String(page * PAGE_SIZE) })}`;
      const answer = await this.xapiAnswer('GET', path);
      let count = 0;
      const recalled = answer && pages?.recall(page, answer.text);
      if (recalled) {
        count = recalled.length;
        for (const row of recalled) rows.push(row);
      } else {
        const value = pageRows(answer && parseJsonAnswer(answer.text, set, answer.status), set);
        count = value.length;
        if (rows.length + count > MAX_ROWS)
          throw new PbxError('parse', set, `more than ${MAX_ROWS} rows: refused`);
        for (const row of value) rows.push(parseRow(row)); // no spread: a page can hold 100,000 rows
        if (answer) pages?.remember(page, answer.text);
      }
      // A short page ends the set; a page longer than $top means paging was ignored: that page is the whole set.
      if (count < PAGE_SIZE || count > PAGE_SIZE) return rows;
    }
    throw new PbxError('parse', set, `more than ${MAX_PAGES} pages`);
  }

  /** Any xAPI request; returns parsed JSON (undefined for 204). */
  async xapi(method: string, path: string, body?: unknown): Promise<unknown> {
    const answer = await this.xapiAnswer(method, path, body);
    return answer && parseJsonAnswer(answer.text, endpointName(path), answer.status);
  }

  /** Any xAPI request; returns a 2xx answer (undefined for 204), else PbxError. */
  private async xapiAnswer(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string } | undefined> {
    const endpoint = endpointName(path);
    const answer = await this.authorized(method, `/xapi/v1/${path}`, endpoint, body);
    if (answer.status === 204) return undefined;
    if (answer.status < 200 || answer.status >= 300) throw httpError(endpoint, answer);
    return answer;
  }

  /** A request with the token (any path: the xAPI, Call Control); one re-login and retry on 401. */
  async authorized(
    method: string,
    path: string,
    endpoint: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    let token = await this.validToken();
    let answer = await this.send(method, path, endpoint, token, body);
    if (answer.status === 401) {
      // The token was replaced (another client with our id) or the PBX restarted: log in again, once.
      this.forgetToken(token.value);
      token = await this.validToken();
      answer = await this.send(method, path, endpoint, token, body);
    }
    if (answer.status === 401)
      throw new PbxError('auth', endpoint, `refused the token of ${this.credentialName}`, 401);
    return answer;
  }

  /** The access token (for the Call Control websocket's Authorization header). */
  async accessToken(): Promise<string> {
    return (await this.validToken()).value;
  }

  /** The PBX refused this token (401, a websocket closed for it): the next request logs in again. */
  forgetToken(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  /** Where the PBX is and how to trust it, for connections the client does not make itself (websockets). */
  get connection(): { url: URL; verifyTls: boolean; ca: string | null } {
    return { url: this.base, verifyTls: this.options.verifyTls ?? true, ca: this.options.ca ?? null };
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
        this.forgetToken(token.value);
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
    token: HeldToken | undefined,
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

  private async validToken(): Promise<HeldToken> {
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
}
