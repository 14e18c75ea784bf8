// The /xapi/v1 endpoints: entity sets, key lookups, navigation, singletons, bound functions and actions.
import { isoUtc } from './clock.ts';
import { DN_TYPE, SimError, type CallEngine } from './calls.ts';
import { ENTITY_TYPES, type EntitySetName } from './entities.ts';
import type { PbxModel } from './model.ts';
import { ODataError, queryCollection, querySingle, type EntityType } from './odata/query.ts';
import { json, odataError, type Reply } from './reply.ts';
import type { TrafficGenerator } from './traffic.ts';
import { recordingWav } from './wav.ts';

export interface XapiContext {
  model: PbxModel;
  calls: CallEngine;
  traffic: TrafficGenerator;
  baseUrl: string;
  now: () => number;
}

export interface XapiRequest {
  method: string;
  /** Path below /xapi/v1/, percent-decoded. */
  path: string;
  params: URLSearchParams;
  body: unknown;
}

const PAGE_CAP = 100;
const REPORT_ROW_LIMIT = 20_000;

function collection(context: XapiContext, set: EntitySetName): Record<string, unknown>[] {
  const { model, calls } = context;
  switch (set) {
    case 'ActiveCalls':
      return calls.activeRows();
    case 'Users':
      return model.users as unknown as Record<string, unknown>[];
    case 'RingGroups':
      return model.ringGroups as unknown as Record<string, unknown>[];
    case 'Queues':
      return model.queues as unknown as Record<string, unknown>[];
    case 'Trunks':
      return model.trunks as unknown as Record<string, unknown>[];
    case 'Contacts':
      return model.contacts as unknown as Record<string, unknown>[];
    case 'Peers':
      return peers(model);
    case 'CallHistoryView':
      return calls.historyView;
    case 'Recordings':
      return calls.recordings;
    default:
      throw new ODataError(404, `No HTTP resource was found that matches the request URI '${set}'.`);
  }
}

function peers(model: PbxModel): Record<string, unknown>[] {
  return [
    ...model.users.map((u) => ({
      Id: u.Id,
      Number: u.Number,
      Name: u.DisplayName,
      Type: 'Extension',
      Hidden: false,
      Tags: [],
    })),
    ...model.ringGroups.map((g) => ({
      Id: g.Id,
      Number: g.Number,
      Name: g.Name,
      Type: 'RingGroup',
      Hidden: false,
      Tags: [],
    })),
    ...model.queues.map((q) => ({
      Id: q.Id,
      Number: q.Number,
      Name: q.Name,
      Type: 'Queue',
      Hidden: false,
      Tags: [],
    })),
    ...model.trunks.map((t) => ({
      Id: t.Id,
      Number: t.Number,
      Name: t.Gateway.Name,
      Type: 'ExternalLine',
      Hidden: false,
      Tags: [],
    })),
  ];
}

function systemStatus(context: XapiContext): Record<string, unknown> {
  const { model, calls } = context;
  const users = model.users.filter((u) => !u.Number.startsWith('HD'));
  return {
    Id: 1,
    FQDN: model.fqdn,
    Version: model.version,
    Activated: true,
    LicenseActive: true,
    ProductCode: '3CXPSENT',
    MaxSimCalls: 64,
    ExpirationDate: null,
    MaintenanceExpiresAt: '2027-06-30T00:00:00Z',
    CallsActive: calls.active.size,
    ExtensionsRegistered: users.filter((u) => u.IsRegistered).length,
    ExtensionsTotal: users.length + model.ringGroups.length + model.queues.length,
    UserExtensions: users.length,
    MaxUserExtensions: Math.max(1000, users.length),
    TrunksRegistered: model.trunks.filter((t) => t.IsOnline).length,
    TrunksTotal: model.trunks.length,
    HasNotRunningServices: false,
    HasUnregisteredSystemExtensions: false,
    DiskUsage: 23,
    FreeDiskSpace: 41_000_000_000,
    TotalDiskSpace: 53_000_000_000,
    BackupScheduled: true,
    LastBackupDateTime: isoUtc(context.now() - 36 * 3600_000),
    AutoUpdateEnabled: true,
    OS: 'Linux',
    Ip: '127.0.0.1',
    IpV4: '127.0.0.1',
    IpV6: null,
    RecordingQuotaReached: false,
    VoicemailQuotaReached: false,
  };
}

function contextUrl(context: XapiContext, fragment: string): string {
  return `${context.baseUrl}/xapi/v1/$metadata#${fragment}`;
}

function collectionReply(
  context: XapiContext,
  set: string,
  rows: Record<string, unknown>[],
  params: URLSearchParams,
  type: EntityType,
  maxTop: number | null,
): Reply {
  const result = queryCollection(rows, params, type, { maxTop });
  const body: Record<string, unknown> = { '@odata.context': contextUrl(context, set) };
  if (result.count !== undefined) body['@odata.count'] = result.count;
  body.value = result.value;
  return json(200, body);
}

/** `42` or `Number='100'` (quotes doubled inside), as in `Users(42)` and `Users(Number='100')`. */
function parseKey(text: string): { property: string; value: string | number } {
  const byId = /^(?:Id=)?(-?\d+)$/.exec(text);
  if (byId) return { property: 'Id', value: Number(byId[1]) };
  const byName = /^(\w+)='((?:[^']|'')*)'$/.exec(text);
  if (byName) return { property: byName[1]!, value: byName[2]!.replace(/''/g, "'") };
  throw new ODataError(400, `The key value '${text}' is not valid.`);
}

function findByKey(context: XapiContext, set: EntitySetName, keyText: string): Record<string, unknown> {
  const type: EntityType = ENTITY_TYPES[set];
  const key = parseKey(keyText);
  if (!type.properties.includes(key.property)) {
    throw new ODataError(400, `Could not find a property named '${key.property}' on type '${type.name}'.`);
  }
  // 3CX answers 404 to every key form on Recordings (3cx-xapi.md §2); clients must $filter instead.
  const found =
    set === 'Recordings'
      ? undefined
      : collection(context, set).find((row) => row[key.property] === key.value);
  if (!found) throw new ODataError(404, `The entity '${set}' with key '${keyText}' was not found.`, '404');
  return found;
}

const CALL_LOG_PARAMS = [
  'periodFrom',
  'periodTo',
  'sourceType',
  'sourceFilter',
  'destinationType',
  'destinationFilter',
  'callsType',
  'callTimeFilterType',
  'callTimeFilterFrom',
  'callTimeFilterTo',
  'hidePcalls',
] as const;

function splitParameters(text: string): Map<string, string> {
  const result = new Map<string, string>();
  let current = '';
  let quoted = false;
  const flush = () => {
    const eq = current.indexOf('=');
    if (eq > 0) result.set(current.slice(0, eq).trim(), current.slice(eq + 1).trim());
    current = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") quoted = !quoted;
    if (c === ',' && !quoted) flush();
    else current += c;
  }
  flush();
  return result;
}

function getCallLogData(context: XapiContext, argumentText: string, params: URLSearchParams): Reply {
  const args = splitParameters(argumentText);
  // A missing parameter makes the path unknown to 3CX's router: 404. Wrong types reach the function: 500.
  if (CALL_LOG_PARAMS.some((name) => !args.has(name)) || args.size !== CALL_LOG_PARAMS.length) {
    return odataError(
      404,
      `No HTTP resource was found that matches the request URI 'ReportCallLogData/Pbx.GetCallLogData(${argumentText})'.`,
    );
  }
  const from = Date.parse(args.get('periodFrom')!);
  const to = Date.parse(args.get('periodTo')!);
  const ints = ['sourceType', 'destinationType', 'callsType', 'callTimeFilterType'].map((n) => args.get(n)!);
  const strings = ['sourceFilter', 'destinationFilter', 'callTimeFilterFrom', 'callTimeFilterTo'].map((n) =>
    args.get(n)!,
  );
  if (
    Number.isNaN(from) ||
    Number.isNaN(to) ||
    ints.some((v) => !/^-?\d+$/.test(v)) ||
    strings.some((v) => !/^'.*'$/.test(v)) ||
    !['true', 'false'].includes(args.get('hidePcalls')!)
  ) {
    return odataError(500, 'An error has occurred.', '500');
  }
  const unquote = (v: string) => v.slice(1, -1).replace(/''/g, "'");
  const sourceFilter = unquote(args.get('sourceFilter')!);
  const destinationFilter = unquote(args.get('destinationFilter')!);
  const rows = context.calls.callLog
    .filter((row) => {
      const start = Date.parse(row.StartTime as string);
      return start >= from && start <= to;
    })
    .filter(
      (row) =>
        !sourceFilter ||
        String(row.SourceDn).includes(sourceFilter) ||
        String(row.SourceCallerId).includes(sourceFilter),
    )
    .filter((row) => !destinationFilter || String(row.DestinationDn).includes(destinationFilter))
    .reverse() // newest first, as 3CX returns it
    .slice(0, REPORT_ROW_LIMIT);
  return collectionReply(
    context,
    'Collection(Pbx.CallLogData)',
    rows,
    params,
    ENTITY_TYPES.CallLogData,
    null,
  );
}

function patchUser(context: XapiContext, keyText: string, body: unknown): Reply {
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

function makeCall(context: XapiContext, body: unknown): Reply {
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
      DeviceId: `sip:${user.Number}@127.0.0.1:5062`,
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

function downloadRecording(context: XapiContext, id: number): Reply {
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

const ENTITY_SET = /^([A-Za-z]+)$/;
const COUNT = /^([A-Za-z]+)\/\$count$/;
const BY_KEY = /^([A-Za-z]+)\((.+)\)$/;
const NAVIGATION = /^([A-Za-z]+)\((.+?)\)\/([A-Za-z]+)$/;

export function handleXapi(context: XapiContext, request: XapiRequest): Reply {
  try {
    return route(context, request);
  } catch (error) {
    if (error instanceof ODataError) return json(error.status, error.body());
    if (error instanceof SimError) return odataError(error.status, error.message);
    throw error;
  }
}

function isEntitySet(name: string): name is EntitySetName {
  return (
    Object.hasOwn(ENTITY_TYPES, name) &&
    !['SystemStatus', 'Defs', 'VoicemailSettings', 'CallLogData'].includes(name)
  );
}

function route(context: XapiContext, { method, path, params, body }: XapiRequest): Reply {
  const notAllowed = () => odataError(405, `The HTTP method '${method}' is not allowed on '${path}'.`);
  let match: RegExpExecArray | null;

  if ((match = /^ReportCallLogData\/Pbx\.GetCallLogData\((.*)\)$/.exec(path))) {
    return method === 'GET' ? getCallLogData(context, match[1]!, params) : notAllowed();
  }
  if ((match = /^Recordings\/Pbx\.DownloadRecording\(recId=(-?\d+)\)$/.exec(path))) {
    return method === 'GET' ? downloadRecording(context, Number(match[1])) : notAllowed();
  }
  if ((match = /^ActiveCalls\((\d+)\)\/Pbx\.DropCall$/.exec(path))) {
    if (method !== 'POST') return notAllowed();
    context.calls.hangup(Number(match[1]));
    return json(200, {});
  }
  if (path === 'Users/Pbx.MakeCall') return method === 'POST' ? makeCall(context, body) : notAllowed();
  if (path === 'SystemStatus' || path === 'Defs' || path === 'VoicemailSettings') {
    if (method !== 'GET') return notAllowed();
    const value =
      path === 'SystemStatus'
        ? systemStatus(context)
        : path === 'Defs'
          ? {
              Id: 1,
              Codecs: [
                { Id: 1, Name: 'PCMA' },
                { Id: 2, Name: 'PCMU' },
                { Id: 3, Name: 'G722' },
              ],
            }
          : {
              Id: 1,
              Extension: context.model.voicemailNumber,
              Quota: 2048,
              AutoDeleteEnabled: false,
              AutoDeleteDays: 30,
              MinDuration: 2,
              OperatorEnabled: false,
            };
    return json(200, {
      '@odata.context': contextUrl(context, path),
      ...querySingle(value, params, ENTITY_TYPES[path]),
    });
  }
  if ((match = COUNT.exec(path)) && isEntitySet(match[1]!)) {
    const set = match[1];
    const rows = queryCollection(
      collection(context, set),
      new URLSearchParams({ $filter: params.get('$filter') ?? '' }),
      ENTITY_TYPES[set],
      { maxTop: null },
    );
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(rows.value.length) };
  }
  if ((match = ENTITY_SET.exec(path)) && isEntitySet(match[1]!)) {
    if (method !== 'GET') return notAllowed();
    const set = match[1];
    return collectionReply(context, set, collection(context, set), params, ENTITY_TYPES[set], PAGE_CAP);
  }
  if ((match = NAVIGATION.exec(path)) && isEntitySet(match[1]!)) {
    const set = match[1];
    const type: EntityType = ENTITY_TYPES[set];
    const target = type.navigation?.[match[3]!];
    if (!target) return odataError(404, `No HTTP resource was found that matches the request URI '${path}'.`);
    if (method !== 'GET') return notAllowed();
    const owner = findByKey(context, set, match[2]!);
    const rows = (owner[match[3]!] as Record<string, unknown>[] | undefined) ?? [];
    return collectionReply(context, `${set}(${match[2]})/${match[3]}`, rows, params, target, PAGE_CAP);
  }
  if ((match = BY_KEY.exec(path)) && isEntitySet(match[1]!)) {
    const set = match[1];
    if (method === 'PATCH' && set === 'Users') return patchUser(context, match[2]!, body);
    if (method !== 'GET') return notAllowed();
    const entity = findByKey(context, set, match[2]!);
    return json(200, {
      '@odata.context': contextUrl(context, `${set}/$entity`),
      ...querySingle(entity, params, ENTITY_TYPES[set]),
    });
  }
  return odataError(404, `No HTTP resource was found that matches the request URI '${path}'.`);
}
