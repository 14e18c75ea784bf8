// Structured logging (pino). Secrets never reach a log call by construction; redaction is the second line of defence.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'password',
  'client_secret',
  'clientSecret',
  'security_code',
  'auth_token',
  'webhook_token',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
  '*.password',
  '*.client_secret',
  '*.clientSecret',
  '*.token',
  '*.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '***' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(1),
  );
}
