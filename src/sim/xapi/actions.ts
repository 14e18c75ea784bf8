// xAPI writes and binary answers: PATCH Users({Id}), Users/Pbx.MakeCall, Recordings/Pbx.DownloadRecording.
import { DN_TYPE } from '../call-types.ts';
import { deviceIdOf } from '../devices.ts';
import { ENTITY_TYPES } from '../entities.ts';
import { json, odataError, type Reply } from '../reply.ts';
import { recordingWav } from '../wav.ts';
import { contextUrl, findByKey, type XapiContext } from './collections.ts';

export function patchUser(context: XapiContext, keyText: string, body: unknown): Reply {
  const found = findByKey(context, 'Users', keyText);
  const user = context.model.users.find((u) => u.Id === found.Id);
  if (!user) return odataError(404, `The entity 'Users' with key '${keyText}' was not found.`);
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return odataError(400, 'The request body is not a valid User.');
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'CurrentProfileName') {
      if (typeof value !== 'string' || !user.ForwardingProfiles.some((p) => p.Name === value)) {
        return odataError(
          400,
          `WARNINGS.XAPI.INVALID_PROFILE_NAME: '${String(value)}' is not a forwarding profile of ${user.Number}.`,
          'WARNINGS.XAPI.INVALID',
        );
      }
      user.CurrentProfileName = value;
    } else if (key === 'QueueStatus') {
      if (value !== 'LoggedIn' && value !== 'LoggedOut')
        return odataError(400, `The value '${String(value)}' is not valid for QueueStatus.`);
      user.QueueStatus = value;
    } else if (key === 'Id') {
      continue;
    } else if (!ENTITY_TYPES.Users.properties.includes(key)) {
      return odataError(400, `The property '${key}' does not exist on type 'Pbx.User'.`);
    }
  }
  return { status: 204 };
}

export function makeCall(context: XapiContext, body: unknown): Reply {
  const request = body as { dn?: unknown; destination?: unknown } | null;
  if (!request || typeof request.destination !== 'string' || request.destination === '') {
    return odataError(400, "The parameter 'destination' is required.");
  }
  const dn = typeof request.dn === 'string' ? request.dn : '';
  const user = context.calls.userByNumber(dn);
  // 404 when the DN has no registered endpoint to ring first (3cx-xapi.md §4).
  if (!user || !user.IsRegistered)
    return odataError(
      404,
      `WARNINGS.XAPI.NOT_FOUND: no registered device for ${dn}`,
      'WARNINGS.XAPI.NOT_FOUND',
    );
  const call = context.calls.start({ from: user.Number, to: request.destination });
  context.traffic.follow(call, [
    { at: 2, action: 'ring' },
    { at: 32, action: 'hangup' },
  ]);
  const party = call.callee === 'ROUTER' ? context.calls.party(request.destination) : call.callee;
  return json(200, {
    '@odata.context': contextUrl(context, 'Pbx.CallControlResultResponse'),
    FinalStatus: 'Success',
    Reason: 'None',
    ReasonText: '',
    Result: {
      Id: call.id * 10 + 1,
      CallId: call.id,
      LegId: 1,
      DN: user.Number,
      DeviceId: deviceIdOf(user.Number),
      PartyCallerId: party.callerId,
      PartyCallerName: party.name,
      PartyDn: party.dn,
      PartyDnType: party.type === DN_TYPE.external ? 'Wexternalline' : 'Wextension',
      Status: 'Dialing',
      DirectControl: false,
    },
    VttId: null,
  });
}

export function downloadRecording(context: XapiContext, id: number): Reply {
  const recording = context.calls.recordings.find((r) => r.Id === id);
  if (!recording) return odataError(400, 'WARNINGS.XAPI.FILE_NOT_FOUND', 'WARNINGS.XAPI.FILE_NOT_FOUND');
  const name = (typeof recording.RecordingUrl === 'string' ? recording.RecordingUrl : `${id}.wav`)
    .split('/')
    .pop()!;
  return {
    status: 200,
    headers: {
      'content-type': 'audio/x-wav',
      'content-disposition': `attachment; filename="${name.replace(/["\\]/g, '_')}"`,
    },
    body: recordingWav(id),
  };
}
