// Call Control REST (3cx-xapi.md §5): the snapshot of the monitored DNs, one participant, makecall and drop; 3CX
// strings parsed into the domain's participant values. Errors carry their status (403/404: not available here).
import { z } from 'zod';
import type { MonitoredDn, Participant } from '../domain/callcontrol-view.ts';
import type { PbxClient } from './client.ts';
import { PbxError } from './errors.ts';
import { parseJsonAnswer } from './http.ts';
import { parseWith } from './responses.ts';

const text = z
  .string()
  .nullish()
  .transform((v) => v ?? '');

export const participantSchema = z
  .looseObject({
    id: z.number().int(),
    status: text,
    dn: z.string(),
    party_caller_name: text,
    party_dn: text,
    party_caller_id: text,
    party_did: text,
    party_dn_type: text,
    originated_by_dn: text,
    originated_by_type: text,
    on_behalf_of_dn: text,
    on_behalf_of_type: text,
    callid: z.number().int(),
    legid: z
      .number()
      .int()
      .nullish()
      .transform((v) => v ?? 0),
  })
  .transform((p): Participant => ({
    id: p.id,
    status: p.status,
    dn: p.dn,
    party_caller_name: p.party_caller_name,
    party_dn: p.party_dn,
    party_caller_id: p.party_caller_id,
    party_did: p.party_did,
    party_dn_type: p.party_dn_type,
    originated_by_dn: p.originated_by_dn,
    originated_by_type: p.originated_by_type,
    on_behalf_of_dn: p.on_behalf_of_dn,
    on_behalf_of_type: p.on_behalf_of_type,
    callid: p.callid,
    legid: p.legid,
  }));

const snapshotSchema = z.array(
  z.looseObject({
    dn: z.string(),
    type: text,
    participants: z
      .array(participantSchema)
      .nullish()
      .transform((v) => v ?? []),
  }),
);

const SNAPSHOT = '/callcontrol';
const PARTICIPANT = '/callcontrol/{dn}/participants/{id}';

function fail(endpoint: string, status: number): never {
  throw new PbxError('http', endpoint, `HTTP ${status}`, status);
}

async function getJson(client: PbxClient, path: string, endpoint: string): Promise<unknown> {
  const answer = await client.authorized('GET', path, endpoint);
  if (answer.status !== 200) fail(endpoint, answer.status);
  return parseJsonAnswer(answer.text, endpoint, answer.status);
}

/** Why Call Control is not available here, or undefined when the failure is passing (network, 5xx). */
export function callControlUnavailable(error: unknown): string | undefined {
  if (!(error instanceof PbxError) || error.kind !== 'http') return undefined;
  if (error.status === 403)
    return 'the PBX refused Call Control (HTTP 403): the API client needs "3CX Call Control API Access" (Enterprise licence; a user login cannot use it)';
  if (error.status === 404) return 'the PBX has no Call Control API (HTTP 404)';
  return undefined;
}

/** `GET /callcontrol`: every monitored DN with its participants. 403: no Call Control access; 404: none here. */
export async function fetchCallControlSnapshot(client: PbxClient): Promise<MonitoredDn[]> {
  return parseWith(snapshotSchema, await getJson(client, SNAPSHOT, SNAPSHOT), SNAPSHOT);
}

/** One participant, or undefined when it is gone (404: removed, or the call ended before the read). */
export async function fetchParticipant(
  client: PbxClient,
  dn: string,
  id: number,
): Promise<Participant | undefined> {
  const path = `/callcontrol/${encodeURIComponent(dn)}/participants/${id}`;
  const answer = await client.authorized('GET', path, PARTICIPANT);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) fail(PARTICIPANT, answer.status);
  return parseWith(participantSchema, parseJsonAnswer(answer.text, PARTICIPANT, 200), PARTICIPANT);
}

/** `POST /callcontrol/{dn}/makecall`: the extension dials `destination`; the answer's status and PBX call id. */
export async function callControlMakeCall(
  client: PbxClient,
  dn: string,
  destination: string,
): Promise<{ status: string | null; pbxCallId: number | null }> {
  const endpoint = '/callcontrol/{dn}/makecall';
  const answer = await client.authorized(
    'POST',
    `/callcontrol/${encodeURIComponent(dn)}/makecall`,
    endpoint,
    {
      destination,
    },
  );
  if (answer.status !== 200) fail(endpoint, answer.status);
  const body = parseJsonAnswer(answer.text, endpoint, 200) as {
    finalstatus?: unknown;
    result?: { callid?: unknown };
  } | null;
  return {
    // As for the xAPI's MakeCall answer: each field when it has its type (a short text, an int32), else null.
    status: typeof body?.finalstatus === 'string' && body.finalstatus.length <= 100 ? body.finalstatus : null,
    pbxCallId: z.int32().safeParse(body?.result?.callid).data ?? null,
  };
}

/** `POST /callcontrol/{dn}/participants/{id}/drop`: ends the call. */
export async function callControlDrop(client: PbxClient, dn: string, id: number): Promise<void> {
  const endpoint = '/callcontrol/{dn}/participants/{id}/drop';
  const path = `/callcontrol/${encodeURIComponent(dn)}/participants/${id}/drop`;
  const answer = await client.authorized('POST', path, endpoint, {});
  if (answer.status !== 200) fail(endpoint, answer.status);
}

/** A websocket message `{sequence, event: {event_type, entity}}`; undefined for anything else. */
export interface CallControlEvent {
  sequence: number;
  /** 0 upsert, 1 remove, 2 DTMF, 3 prompt playback finished, 4 a response. */
  type: number;
  dn: string;
  participant: number | undefined;
}

const eventSchema = z.looseObject({
  sequence: z.number().int(),
  event: z.looseObject({ event_type: z.number().int(), entity: z.string() }),
});

export function parseCallControlEvent(data: string): CallControlEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) return undefined;
  // "/callcontrol/{dn}/participants/{id}"
  const parts = parsed.data.event.entity.split('/');
  const id = parts[3] === 'participants' ? Number(parts[4]) : NaN;
  return {
    sequence: parsed.data.sequence,
    type: parsed.data.event.event_type,
    dn: decodeURIComponent(parts[2] ?? ''),
    participant: Number.isInteger(id) ? id : undefined,
  };
}
