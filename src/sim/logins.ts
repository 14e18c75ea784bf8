// The login endpoints: /connect/token (client credentials, refresh by cookie) and the web client's login.
import type { IncomingMessage } from 'node:http';
import type { TokenAuthority } from './auth.ts';
import { parseCookies, readForm } from './http-io.ts';
import { json, type Reply } from './reply.ts';

const UNAUTHORIZED = {
  error: 'unauthorized',
  error_description: 'The request requires valid user authentication.',
};

function refreshCookie(token: string): Record<string, string> {
  return { 'set-cookie': `RefreshTokenCookie=${token}; path=/; secure; samesite=strict; httponly` };
}

export async function connectToken(auth: TokenAuthority, req: IncomingMessage, body: Buffer): Promise<Reply> {
  const form = await readForm(req, body);
  const grant = form.get('grant_type');
  if (grant === 'client_credentials') {
    if (!auth.checkClient(form.get('client_id') ?? undefined, form.get('client_secret') ?? undefined))
      return json(401, UNAUTHORIZED);
    return json(200, await auth.issueAccess({ kind: 'client', name: form.get('client_id')! }));
  }
  if (grant === 'refresh_token') {
    const cookie =
      parseCookies(req.headers.cookie).get('RefreshTokenCookie') ?? form.get('refresh_token') ?? '';
    const tokens = await auth.refresh(cookie);
    if (!tokens) return json(401, UNAUTHORIZED);
    return json(200, tokens, refreshCookie(tokens.refresh_token!));
  }
  return json(400, {
    error: 'unsupported_grant_type',
    error_description: `grant_type ${grant ?? '(none)'} is not supported`,
  });
}

export async function userLogin(auth: TokenAuthority, body: Buffer): Promise<Reply> {
  let login: { Username?: unknown; Password?: unknown };
  try {
    login = JSON.parse(body.toString('utf8')) as typeof login;
  } catch {
    return json(400, { Status: 'InvalidRequest', Token: null, TwoFactorAuth: null });
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  if (!auth.checkUser(text(login.Username), text(login.Password))) {
    return json(200, { Status: 'AuthFailed', Token: null, TwoFactorAuth: null });
  }
  const tokens = await auth.issueAccess({ kind: 'user', name: String(login.Username) });
  return json(
    200,
    { Status: 'AuthSuccess', Token: tokens, TwoFactorAuth: null },
    refreshCookie(tokens.refresh_token!),
  );
}
