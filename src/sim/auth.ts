// Token issuing as 3CX V20 does it: ES256 JWTs with exp, one active access token per client, refresh by cookie.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import type { SimClock } from './clock.ts';

export interface SimCredentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export interface Principal {
  kind: 'client' | 'user';
  name: string;
}

export interface AccessToken {
  principal: Principal;
  jti: string;
  /** Expiry, seconds since the epoch (the JWT's `exp`). */
  exp: number;
}

export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string | null;
}

/** What 3CX puts in `expires_in` whatever the real lifetime; its unit changed in 20.0.9 (3cx-xapi.md §1a). */
const EXPIRES_IN_AS_SENT = 60;
const REFRESH_LIFETIME_S = 60 * 24 * 3600;

export class TokenAuthority {
  private keys?: { privateKey: CryptoKey; publicKey: CryptoKey };
  /** principal key -> jti of the one access token that is valid for it. */
  private readonly activeAccess = new Map<string, string>();
  /** refresh token jti -> user name. */
  private readonly refreshTokens = new Map<string, string>();
  tokenTtlSeconds: number;

  constructor(
    private readonly credentials: SimCredentials,
    private readonly issuer: string,
    tokenTtlSeconds: number,
    private readonly clock: SimClock,
  ) {
    this.tokenTtlSeconds = tokenTtlSeconds;
  }

  private async keyPair() {
    this.keys ??= await generateKeyPair('ES256', { extractable: true });
    return this.keys;
  }

  async publicJwk() {
    return exportJWK((await this.keyPair()).publicKey);
  }

  checkClient(clientId: string | undefined, secret: string | undefined): boolean {
    return clientId === this.credentials.clientId && secret === this.credentials.clientSecret;
  }

  checkUser(username: string | undefined, password: string | undefined): boolean {
    return username === this.credentials.username && password === this.credentials.password;
  }

  private async sign(claims: Record<string, unknown>, subject: string, lifetimeSeconds: number, jti: string) {
    const now = Math.floor(this.clock.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(this.issuer)
      .setAudience('/api')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetimeSeconds)
      .setJti(jti)
      .sign((await this.keyPair()).privateKey);
  }

  /** A new access token for a principal; the previous one stops working at once. */
  async issueAccess(principal: Principal): Promise<TokenResponse> {
    const jti = randomUUID();
    const roles =
      principal.kind === 'client'
        ? ['App', 'Reports', 'system_owners', 'CallFlowApp']
        : ['system_owners', 'MyPhone'];
    const access = await this.sign(
      { scope: 'xapi', role: roles, kind: principal.kind },
      principal.name,
      this.tokenTtlSeconds,
      jti,
    );
    this.activeAccess.set(`${principal.kind}:${principal.name}`, jti);
    let refresh: string | null = null;
    if (principal.kind === 'user') {
      const refreshJti = randomUUID();
      refresh = await this.sign(
        { scope: 'offline_access', kind: 'refresh' },
        principal.name,
        REFRESH_LIFETIME_S,
        refreshJti,
      );
      this.refreshTokens.set(refreshJti, principal.name);
    }
    return {
      token_type: 'Bearer',
      expires_in: EXPIRES_IN_AS_SENT,
      access_token: access,
      refresh_token: refresh,
    };
  }

  /** Exchanges a refresh token (rotating it); undefined when it is unknown, used or expired. */
  async refresh(token: string): Promise<TokenResponse | undefined> {
    const payload = await this.verifySignature(token);
    if (!payload || payload.kind !== 'refresh' || typeof payload.jti !== 'string') return undefined;
    const user = this.refreshTokens.get(payload.jti);
    if (!user) return undefined;
    this.refreshTokens.delete(payload.jti);
    return this.issueAccess({ kind: 'user', name: user });
  }

  /** The principal behind a bearer token, or undefined (bad signature, expired, or replaced by a newer token). */
  async verifyAccess(token: string): Promise<Principal | undefined> {
    return (await this.verifyAccessToken(token))?.principal;
  }

  /** As verifyAccess, with the token's id and expiry (seconds), for a connection that outlives the request. */
  async verifyAccessToken(token: string): Promise<AccessToken | undefined> {
    const payload = await this.verifySignature(token);
    if (!payload || (payload.kind !== 'client' && payload.kind !== 'user')) return undefined;
    if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return undefined;
    const principal: Principal = { kind: payload.kind, name: String(payload.sub) };
    const access = { principal, jti: payload.jti, exp: payload.exp };
    return this.isCurrent(access) ? access : undefined;
  }

  /** Whether a verified token is still the principal's one active token (not replaced, not revoked). */
  isCurrent(access: AccessToken): boolean {
    return this.activeAccess.get(`${access.principal.kind}:${access.principal.name}`) === access.jti;
  }

  /** Makes every access token invalid, as a PBX restart would. */
  revokeAll(): void {
    this.activeAccess.clear();
  }

  private async verifySignature(token: string) {
    try {
      const { payload } = await jwtVerify(token, (await this.keyPair()).publicKey, {
        issuer: this.issuer,
        audience: '/api',
        currentDate: new Date(this.clock.now()),
      });
      return payload;
    } catch {
      return undefined;
    }
  }
}
