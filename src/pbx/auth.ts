// Logging in to 3CX: client credentials, or a user login with its rotating refresh cookie; the token's lifetime from
// its JWT exp (expires_in changed its unit in 20.0.9).
import { decodeJwt } from 'jose';
import { PbxError } from './errors.ts';
import { httpError, parseJson, pbxText } from './http.ts';

export type PbxCredentials =
  | { kind: 'client'; clientId: string; clientSecret: string }
  | { kind: 'user'; username: string; password: string; securityCode?: string | null };

export interface Token {
  value: string;
  expiresAt: number;
}

/** A token as the client keeps it, with when to log in again. */
export interface HeldToken extends Token {
  /** The renewal margin before expiry, or half-way for a token that lives less than twice the margin. */
  renewAt: number;
}

/** Sends one request without a token: method, path, endpoint name, body, extra headers. */
export type Send = (
  method: string,
  path: string,
  endpoint: string,
  token: undefined,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; text: string }>;

/** "client credentials (client_id x)" or "user login (600)": names the credential, never its secret. */
export function credentialName(c: PbxCredentials): string {
  return c.kind === 'client' ? `client credentials (client_id ${c.clientId})` : `user login (${c.username})`;
}

export class PbxLogin {
  private refreshToken?: string;
  readonly name: string;

  constructor(
    private readonly credentials: PbxCredentials,
    private readonly send: Send,
    private readonly now: () => number,
  ) {
    this.name = credentialName(credentials);
  }

  async login(): Promise<Token> {
    const c = this.credentials;
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
      const status =
        typeof parsed?.Status === 'string' ? pbxText(parsed.Status, 100) : `HTTP ${answer.status}`;
      throw new PbxError('auth', endpoint, `${this.name} was refused (${status})`, answer.status);
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
        `${this.name} was refused (${typeof reason === 'string' ? pbxText(reason, 100) : `HTTP ${answer.status}`})`,
        answer.status,
      );
    }
    if (answer.status !== 200) throw httpError(path, answer);
    return parsed;
  }

  private tokenFrom(body: unknown): Token {
    const { refreshToken, ...token } = tokenFromAnswer(body, this.now());
    if (refreshToken) this.refreshToken = refreshToken;
    return token;
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
