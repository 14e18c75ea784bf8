// The Call Control REST table below /callcontrol: DNs, devices, participants, makecall and participant actions.
import { SimError } from '../call-types.ts';
import type { CallEngine } from '../calls.ts';
import { devicesOf, type Device } from '../devices.ts';
import type { PbxModel } from '../model.ts';
import { userByNumber } from '../parties.ts';
import { plainJson, statusOnly, type Reply } from '../reply.ts';
import { dispatch, type Route } from '../router.ts';
import type { TrafficGenerator } from '../traffic.ts';
import { dnTypeOf, type Participant } from './participants.ts';
import type { ParticipantRegistry } from './registry.ts';
import type { CallControlSettings } from './settings.ts';

export interface CallControlContext {
  model: PbxModel;
  calls: CallEngine;
  traffic: TrafficGenerator;
  registry: ParticipantRegistry;
  settings: CallControlSettings;
}

interface CallControlCall {
  context: CallControlContext;
  body: unknown;
}

/** A DN as `GET /callcontrol` lists it. */
export interface DnInfo {
  dn: string;
  type: string;
  devices: Device[];
  participants: Participant[];
}

/** Seconds a makecall rings (after 2 s of routing) before the simulator gives up, unless `timeout` says. */
const MAKECALL_RING_SECONDS = 30;

function devicesAt(model: PbxModel, dn: string): Device[] {
  const user = userByNumber(model, dn);
  return user ? devicesOf(user) : [];
}

function dnInfo(context: CallControlContext, dn: string, type: string): DnInfo {
  return { dn, type, devices: devicesAt(context.model, dn), participants: context.registry.participants(dn) };
}

/** Every monitored DN, as `GET /callcontrol` answers (the snapshot a client takes after connecting). */
export function dnInfos(context: CallControlContext): DnInfo[] {
  return context.settings.visibleDns().map(({ dn, type }) => dnInfo(context, dn, type));
}

function visible(context: CallControlContext, dn: string): DnInfo {
  const type = dnTypeOf(context.model, dn);
  if (!type || !context.settings.isMonitored(dn)) throw new SimError(404, `DN ${dn} is not monitored`);
  return dnInfo(context, dn, type);
}

function participantAt(context: CallControlContext, dn: string, id: string): Participant {
  visible(context, dn);
  const participant = /^\d+$/.test(id) ? context.registry.participant(dn, Number(id)) : undefined;
  if (!participant) throw new SimError(404, `no participant ${id} at ${dn}`);
  return participant;
}

function stringField(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new SimError(400, `${name} must be a string`);
  return value.trim();
}

/** `{finalstatus, reason, reasontext, result}`, as 3CX's sample reads it (strings, as the xAPI sends them). */
function result(participant: Participant | undefined): Reply {
  return plainJson(200, {
    finalstatus: 'Success',
    reason: 'None',
    reasontext: '',
    result: participant ?? null,
  });
}

function makeCall(
  context: CallControlContext,
  dn: string,
  deviceId: string | undefined,
  body: unknown,
): Reply {
  const info = visible(context, dn);
  if (info.type !== 'Wextension') throw new SimError(400, `${dn} cannot place calls`);
  const destination = stringField(body, 'destination');
  if (!destination) throw new SimError(400, 'destination is required');
  const timeout = (body as Record<string, unknown> | null | undefined)?.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0)))
    throw new SimError(400, 'timeout must be a positive number of seconds');
  // Like Users/Pbx.MakeCall: the DN needs a registered device to ring first (3cx-xapi.md §4).
  if (
    info.devices.length === 0 ||
    (deviceId !== undefined && !info.devices.some((d) => d.device_id === deviceId))
  )
    throw new SimError(404, `no such device at ${dn}`);
  const call = context.calls.start({ from: dn, to: destination });
  const ringFor = typeof timeout === 'number' ? timeout : MAKECALL_RING_SECONDS;
  context.traffic.follow(call, [
    ...(call.callee === 'ROUTER' ? [{ at: 2, action: 'ring' as const }] : []),
    { at: 2 + Math.ceil(ringFor), action: 'hangup' },
  ]);
  return result(context.registry.legsOfCall(call.id).find((p) => p.dn === dn));
}

function participantAction(
  context: CallControlContext,
  dn: string,
  id: string,
  action: string,
  body: unknown,
): Reply {
  const participant = participantAt(context, dn, id);
  const { calls } = context;
  const callId = participant.callid;
  switch (action) {
    case 'drop':
      calls.hangup(callId);
      return result(participant);
    case 'answer':
      if (participant.status !== 'Ringing' || userByNumber(context.model, dn) === undefined)
        throw new SimError(400, `participant ${id} is not ringing at an extension`);
      calls.answer(callId, dn);
      break;
    case 'divert':
    case 'routeto': {
      const destination = stringField(body, 'destination');
      if (!destination) throw new SimError(400, 'destination is required');
      calls.ring(callId, destination);
      break;
    }
    case 'transferto': {
      const destination = stringField(body, 'destination');
      if (!destination) throw new SimError(400, 'destination is required');
      calls.transfer(callId, destination);
      calls.ring(callId);
      break;
    }
    case 'attach_participant_data':
      break;
    default:
      throw new SimError(404, `no action ${action}`);
  }
  return result(context.registry.participant(dn, participant.id) ?? participant);
}

const ROUTES: Route<CallControlCall>[] = [
  { pattern: /^$/, methods: { GET: ({ context }) => plainJson(200, dnInfos(context)) } },
  { pattern: /^\/([^/]+)$/, methods: { GET: ({ context }, m) => plainJson(200, visible(context, m[1]!)) } },
  {
    pattern: /^\/([^/]+)\/participants$/,
    methods: { GET: ({ context }, m) => plainJson(200, visible(context, m[1]!).participants) },
  },
  {
    pattern: /^\/([^/]+)\/participants\/([^/]+)$/,
    methods: { GET: ({ context }, m) => plainJson(200, participantAt(context, m[1]!, m[2]!)) },
  },
  {
    pattern: /^\/([^/]+)\/participants\/([^/]+)\/([a-z_]+)$/,
    methods: { POST: ({ context, body }, m) => participantAction(context, m[1]!, m[2]!, m[3]!, body) },
  },
  {
    pattern: /^\/([^/]+)\/devices$/,
    methods: { GET: ({ context }, m) => plainJson(200, visible(context, m[1]!).devices) },
  },
  {
    pattern: /^\/([^/]+)\/devices\/([^/]+)$/,
    methods: {
      GET: ({ context }, m) => {
        const device = visible(context, m[1]!).devices.find((d) => d.device_id === m[2]);
        if (!device) throw new SimError(404, `no device ${m[2]}`);
        return plainJson(200, device);
      },
    },
  },
  {
    pattern: /^\/([^/]+)\/makecall$/,
    methods: { POST: ({ context, body }, m) => makeCall(context, m[1]!, undefined, body) },
  },
  {
    pattern: /^\/([^/]+)\/devices\/([^/]+)\/makecall$/,
    methods: { POST: ({ context, body }, m) => makeCall(context, m[1]!, m[2], body) },
  },
];

/**
 * Answers a request below /callcontrol (`path` is the rest, percent-decoded; `body` parsed JSON or undefined).
 * Errors are bare statuses: 400 bad request or state, 404 unknown or not monitored, 405 wrong method.
 */
export function handleCallControl(
  context: CallControlContext,
  method: string,
  path: string,
  body: unknown,
): Reply {
  try {
    return dispatch(ROUTES, method, path, { context, body }, (found) =>
      statusOnly(found === 'path' ? 405 : 404),
    );
  } catch (error) {
    if (error instanceof SimError) return statusOnly(error.status === 404 ? 404 : 400);
    throw error;
  }
}
