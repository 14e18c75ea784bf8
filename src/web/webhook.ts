// 3CX CRM integration endpoints: call journaling (POST /webhook/3cx), contact lookup, and Call Flow Designer events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.ts';
import type { Journal } from '../domain/journal.ts';
import type { WebPorts } from './ports.ts';
import { BodyTooLarge, presentedToken, readBody, sameSecret, sendJson } from './http.ts';

const CALL_TYPES = {
  inbound: 'Inbound',
  missed: 'Missed',
  outbound: 'Outbound',
  notanswered: 'Notanswered',
} as const;

/** hh:mm:ss (3CX's [Duration]) in seconds. */
function durationSeconds(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return 0;
  const match = /^(\d{1,3}):([0-5]\d):([0-5]\d)$/.exec(text.trim());
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : undefined;
}

const YEAR_2000 = Date.UTC(2000, 0, 1);
const YEAR_2100 = Date.UTC(2100, 0, 1);

/**
 * A call time the gateway can store and search around: JavaScript parses dates up to the year 275760, but the
 * history's time windows around them would not fit a Date, and no 3CX call happened before 2000.
 */
function plausibleTime(ms: number): boolean {
  return ms >= YEAR_2000 && ms <= YEAR_2100;
}

/** Validates a journaling body (JSON or form fields): a Journal, or the reason it is not one. */
export function parseJournal(fields: Record<string, unknown>): Journal | string {
  const get = (key: string) => {
    const value = fields[key] ?? fields[key.toLowerCase()];
    return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : undefined;
  };
  const callType = CALL_TYPES[(get('CallType') ?? '').toLowerCase() as keyof typeof CALL_TYPES];
  if (!callType) return 'CallType must be Inbound, Missed, Outbound or Notanswered';
  const number = (get('Number') ?? '').replace(/[\s()/.-]/g, '');
  if (!/^\+?[0-9*#]{1,32}$/.test(number)) return 'Number must be a phone number';
  const durationS = durationSeconds(get('Duration'));
  if (durationS === undefined) return 'Duration must be hh:mm:ss';
  const startText = get('CallStartTimeUTC');
  const endText = get('CallEndTimeUTC');
  const startedAt = startText
    ? Date.parse(startText.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(startText) ? startText : `${startText}Z`)
    : NaN;
  if (!plausibleTime(startedAt))
    return 'CallStartTimeUTC must be a UTC date-time (yyyy-MM-ddTHH:mm:ssZ) between 2000 and 2100';
  const endedAtParsed = endText ? Date.parse(endText.endsWith('Z') ? endText : `${endText}Z`) : NaN;
  const endedAt = plausibleTime(endedAtParsed) ? endedAtParsed : startedAt + durationS * 1000;
  const name = get('Name');
  const agent = get('Agent');
  return {
    callType,
    number,
    name: name || null,
    agent: agent && /^[0-9A-Za-z*#+]{1,20}$/.test(agent) ? agent : null,
    startedAt,
    endedAt,
    durationS,
  };
}

async function parseBody(req: IncomingMessage): Promise<Record<string, unknown> | string> {
  const body = await readBody(req);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded')
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  if (type === 'application/json' || type === '') {
    try {
      const value = JSON.parse(body.toString('utf8')) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : 'the body must be a JSON object';
    } catch {
      return 'the body is not valid JSON';
    }
  }
  return `unsupported content type ${type}`;
}

export async function handleWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ports: Pick<WebPorts, 'contactName' | 'journal'>,
  config: Config,
  headers: Record<string, string>,
): Promise<void> {
  const token = config.web.webhook_token;
  if (token === null)
    return sendJson(res, 404, { error: 'the webhook is disabled (set web.webhook_token)' }, headers);
  // The PBX posts server to server; a browser sends Origin or Sec-Fetch-Site. Refusing those keeps a page on another
  // site from posting forged journals with a token that leaked (it sits in the CRM template's URLs).
  if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined)
    return sendJson(
      res,
      403,
      {
        error:
          'the webhook takes requests from the PBX only, not from a browser (Origin or Sec-Fetch-Site sent)',
      },
      headers,
    );
  if (!sameSecret(presentedToken(req, url), token))
    return sendJson(res, 401, { error: 'a valid webhook_token is required' }, headers);
  try {
    if (url.pathname === '/webhook/3cx/lookup' && req.method === 'GET') {
      const number = url.searchParams.get('number') ?? '';
      const name = ports.contactName(number);
      return sendJson(
        res,
        200,
        name
          ? { contacts: [{ id: number, firstName: name, lastName: '', phone: number }] }
          : { contacts: [] },
        headers,
      );
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' }, headers);
    const fields = await parseBody(req);
    if (typeof fields === 'string') return sendJson(res, 400, { error: fields }, headers);
    if (url.pathname === '/webhook/3cx/event') {
      const event = fields.event;
      if (event !== 'ringing' && event !== 'answered' && event !== 'ended')
        return sendJson(res, 400, { error: 'event must be ringing, answered or ended' }, headers);
      return sendJson(res, 202, { ok: true }, headers); // a hint only: polling and the call log stay the source of truth
    }
    if (url.pathname !== '/webhook/3cx') return sendJson(res, 404, { error: 'not found' }, headers);
    const journal = parseJournal(fields);
    if (typeof journal === 'string') return sendJson(res, 400, { error: journal }, headers);
    const result = ports.journal(journal);
    return sendJson(res, result.created ? 201 : 200, result, headers);
  } catch (error) {
    if (error instanceof BodyTooLarge)
      return sendJson(
        res,
        413,
        { error: 'body larger than 64 KB' },
        {
          ...headers,
          ...(error.drained ? {} : { connection: 'close' }),
        },
      );
    throw error;
  }
}
