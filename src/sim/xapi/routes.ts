// The /xapi/v1 route table: entity sets, key lookups, navigation, singletons, bound functions and actions.
import { SimError } from '../calls.ts';
import { ENTITY_TYPES, type EntitySetName } from '../entities.ts';
import { ODataError, queryCollection, querySingle, type EntityType } from '../odata/query.ts';
import { json, odataError, type Reply } from '../reply.ts';
import { dispatch, type Route } from '../router.ts';
import { downloadRecording, makeCall, patchUser } from './actions.ts';
import { getCallLogData } from './call-log.ts';
import {
  collection,
  collectionReply,
  contextUrl,
  findByKey,
  isEntitySet,
  PAGE_CAP,
  type XapiContext,
  type XapiRequest,
} from './collections.ts';
import { DEFS, systemStatus, voicemailSettings } from './fixtures.ts';

export type { XapiContext, XapiRequest } from './collections.ts';

interface XapiCall extends XapiRequest {
  context: XapiContext;
}

const setName = (match: RegExpExecArray) => match[1] as EntitySetName;
const namesEntitySet = (match: RegExpExecArray) => isEntitySet(match[1]!);

function singleton(name: 'SystemStatus' | 'Defs' | 'VoicemailSettings', value: (c: XapiContext) => object) {
  return ({ context, params }: XapiCall): Reply =>
    json(200, {
      '@odata.context': contextUrl(context, name),
      ...querySingle(value(context) as Record<string, unknown>, params, ENTITY_TYPES[name]),
    });
}

const ROUTES: Route<XapiCall>[] = [
  {
    pattern: /^ReportCallLogData\/Pbx\.GetCallLogData\((.*)\)$/,
    methods: { GET: ({ context, params }, m) => getCallLogData(context, m[1]!, params) },
  },
  {
    pattern: /^Recordings\/Pbx\.DownloadRecording\(recId=(-?\d+)\)$/,
    methods: { GET: ({ context }, m) => downloadRecording(context, Number(m[1])) },
  },
  {
    pattern: /^ActiveCalls\((\d+)\)\/Pbx\.DropCall$/,
    methods: {
      POST: ({ context }, m) => {
        context.calls.hangup(Number(m[1]));
        return json(200, {});
      },
    },
  },
  { pattern: /^Users\/Pbx\.MakeCall$/, methods: { POST: ({ context, body }) => makeCall(context, body) } },
  {
    pattern: /^SystemStatus$/,
    methods: { GET: singleton('SystemStatus', (c) => systemStatus(c.model, c.calls, c.now())) },
  },
  { pattern: /^Defs$/, methods: { GET: singleton('Defs', () => DEFS) } },
  {
    pattern: /^VoicemailSettings$/,
    methods: { GET: singleton('VoicemailSettings', (c) => voicemailSettings(c.model)) },
  },
  {
    // Set/$count answers plain text whatever the method, as the OData router does.
    pattern: /^([A-Za-z]+)\/\$count$/,
    accepts: namesEntitySet,
    methods: {
      '*': ({ context, params }, m) => {
        const set = setName(m);
        const rows = queryCollection(
          collection(context, set),
          new URLSearchParams({ $filter: params.get('$filter') ?? '' }),
          ENTITY_TYPES[set],
          { maxTop: null },
        );
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(rows.value.length) };
      },
    },
  },
  {
    pattern: /^([A-Za-z]+)$/,
    accepts: namesEntitySet,
    methods: {
      GET: ({ context, params }, m) => {
        const set = setName(m);
        return collectionReply(context, set, collection(context, set), params, ENTITY_TYPES[set], PAGE_CAP);
      },
    },
  },
  {
    pattern: /^([A-Za-z]+)\((.+?)\)\/([A-Za-z]+)$/,
    accepts: (m) => isEntitySet(m[1]!) && navigationTarget(m) !== undefined,
    methods: {
      GET: ({ context, params }, m) => {
        const set = setName(m);
        const owner = findByKey(context, set, m[2]!);
        const rows = (owner[m[3]!] as Record<string, unknown>[] | undefined) ?? [];
        return collectionReply(
          context,
          `${set}(${m[2]})/${m[3]}`,
          rows,
          params,
          navigationTarget(m)!,
          PAGE_CAP,
        );
      },
    },
  },
  {
    pattern: /^([A-Za-z]+)\((.+)\)$/,
    accepts: namesEntitySet,
    methods: {
      GET: ({ context, params }, m) => {
        const set = setName(m);
        return json(200, {
          '@odata.context': contextUrl(context, `${set}/$entity`),
          ...querySingle(findByKey(context, set, m[2]!), params, ENTITY_TYPES[set]),
        });
      },
      PATCH: ({ context, method, path, body }, m) =>
        setName(m) === 'Users' ? patchUser(context, m[2]!, body) : notAllowed(method, path),
    },
  },
];

function navigationTarget(match: RegExpExecArray): EntityType | undefined {
  const type: EntityType = ENTITY_TYPES[setName(match)];
  return type.navigation?.[match[3]!];
}

function notAllowed(method: string, path: string): Reply {
  return odataError(405, `The HTTP method '${method}' is not allowed on '${path}'.`);
}

export function handleXapi(context: XapiContext, request: XapiRequest): Reply {
  try {
    return dispatch(ROUTES, request.method, request.path, { ...request, context }, (found) =>
      found === 'path'
        ? notAllowed(request.method, request.path)
        : odataError(404, `No HTTP resource was found that matches the request URI '${request.path}'.`),
    );
  } catch (error) {
    if (error instanceof ODataError) return json(error.status, error.body());
    if (error instanceof SimError) return odataError(error.status, error.message);
    throw error;
  }
}
