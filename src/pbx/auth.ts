// Logging in to 3CX: client credentials, or a user login with its rotating refresh cookie; the token's lifetime from
// its JWT exp (expires_in changed its unit in 20.0.9).
import { decodeJwt } from 'jose';
import { PbxError } from './errors.ts';
import { describeErrorBody, parseJson } from './http.ts';

export type PbxCredentials =
  | { kind: 'client'; clientId: string; clientSecret: string }
  | { kind: 'user'; username: string; password: string; securityCode?: string | null };

export interface Token {
  value: string;
  expiresAt: number;
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
      const status = typeof parsed?.Status === 'string' ? parsed.Status : `HTTP ${answer.status}`;
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
        `${this.name} was refused (${typeof reason === 'string' ? reason : `HTTP ${answer.status}`})`,
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
    const tokens = body as
      { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof tokens?.access_token !== 'string')
      throw new PbxError('parse', '/connect/token', 'no access_token in the answer');
    if (typeof tokens.refresh_token === 'string' && tokens.refresh_token)
      this.refreshToken = tokens.refresh_token;
    let exp: number | undefined;
    try {
      exp = decodeJwt(tokens.access_token).exp;
    } catch {
      exp = undefined;
    }
    // The JWT's exp is the truth; expires_in changed its unit in 20.0.9, so without exp assume a minute.
    const expiresAt = exp !== undefined ? exp * 1000 : this.now() + 60_000;
    return { value: tokens.access_token, expiresAt };
  }
}
