// Fuzz (issue 15): random and mutated xAPI JSON for every endpoint the client parses. Each parser returns a typed
// value or throws PbxError, never anything else; and it never accepts a value of a type 3CX's OpenAPI file does not
// allow for a field the gateway reads. Samples to mutate are real answers of the simulator.
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { CALL_LOG_PARSERS } from '../../src/pbx/call-log.ts';
import { pageRows, parseJsonAnswer } from '../../src/pbx/client.ts';
import { XAPI_PARSERS } from '../../src/pbx/endpoints.ts';
import { PbxError } from '../../src/pbx/errors.ts';
import { XapiSchemas } from '../helpers/openapi.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { requireShared } from '../helpers/shared.ts';
import { mutatedJson, mutatedText } from './generators.ts';
import { fuzz } from './runner.ts';

const CALL_LOG =
  "ReportCallLogData/Pbx.GetCallLogData(periodFrom=2000-01-01T00:00:00Z,periodTo=2100-01-01T00:00:00Z,sourceType=0,sourceFilter=''," +
  "destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)";

interface Endpoint {
  name: string;
  /** Where the simulator's samples come from (the query the gateway sends); `{RingGroup}` is a ring group's Id. */
  path: string;
  /** The item schema in 3CX's OpenAPI file. */
  schema: string;
  /** The fields the gateway reads, as paths (`[]` for array items): the OpenAPI types they must have. */
  reads: string[];
  parse: (input: unknown) => unknown;
  /** A collection page (`{"value": [...]}`), or one object. */
  collection: boolean;
  /** Fields set on the first sample that once failed (counterexamples of fuzz runs), always run first. */
  regressions?: Record<string, unknown>[];
}

const ENDPOINTS: Endpoint[] = [
  {
    name: 'Users',
    path: "Users?$filter=not startsWith(Number,'HD')&$select=Id,Number,FirstName,LastName,DisplayName,CurrentProfileName,IsRegistered,QueueStatus&$expand=ForwardingProfiles($select=Name)",
    schema: 'Pbx.User',
    reads: [
      'Id',
      'Number',
      'FirstName',
      'LastName',
      'DisplayName',
      'CurrentProfileName',
      'IsRegistered',
      'QueueStatus',
      'ForwardingProfiles',
      'ForwardingProfiles.[].Name',
    ],
    parse: XAPI_PARSERS.Users,
    collection: true,
  },
  {
    name: 'RingGroups',
    path: 'RingGroups?$select=Id,Number,Name,RingStrategy,IsRegistered&$expand=Members',
    schema: 'Pbx.RingGroup',
    reads: [
      'Id',
      'Number',
      'Name',
      'RingStrategy',
      'IsRegistered',
      'Members',
      'Members.[].Number',
      'Members.[].Name',
    ],
    parse: XAPI_PARSERS.RingGroups,
    collection: true,
  },
  {
    name: 'Queues',
    path: 'Queues?$select=Id,Number,Name,PollingStrategy,IsRegistered&$expand=Agents',
    schema: 'Pbx.Queue',
    reads: [
      'Id',
      'Number',
      'Name',
      'PollingStrategy',
      'IsRegistered',
      'Agents',
      'Agents.[].Number',
      'Agents.[].Name',
    ],
    parse: XAPI_PARSERS.Queues,
    collection: true,
  },
  {
    name: 'Members',
    path: 'RingGroups({RingGroup})/Members',
    schema: 'Pbx.RingGroupMember',
    reads: ['Number', 'Name'],
    parse: XAPI_PARSERS.Members,
    collection: true,
  },
  {
    name: 'Trunks',
    path: 'Trunks?$select=Id,Number,IsOnline,ExternalNumber,DidNumbers,Gateway',
    schema: 'Pbx.Trunk',
    reads: [
      'Id',
      'Number',
      'IsOnline',
      'ExternalNumber',
      'DidNumbers',
      'DidNumbers.[]',
      'Gateway',
      'Gateway.Name',
    ],
    parse: XAPI_PARSERS.Trunks,
    collection: true,
  },
  {
    name: 'SystemStatus',
    path: 'SystemStatus?$select=FQDN,Version,CallsActive',
    schema: 'Pbx.SystemStatus',
    reads: ['FQDN', 'Version', 'CallsActive'],
    parse: XAPI_PARSERS.SystemStatus,
    collection: false,
    // Seed 1532056048: a CallsActive beyond int32 was taken.
    regressions: [{ CallsActive: 2261995852493267 }],
  },
  {
    name: 'ActiveCalls',
    path: 'ActiveCalls?$select=Id,Caller,Callee,Status,EstablishedAt,LastChangeStatus,ServerNow',
    schema: 'Pbx.ActiveCall',
    reads: ['Id', 'Caller', 'Callee', 'Status', 'EstablishedAt', 'LastChangeStatus', 'ServerNow'],
    parse: XAPI_PARSERS.ActiveCalls,
    collection: true,
    // Seeds 1193125529 and 1878148109: garbage times were taken as they came.
    regressions: [
      { EstablishedAt: '' },
      { EstablishedAt: '<html>2026-12-02T02:27:01.631Z' },
      { LastChangeStatus: 'P' },
    ],
  },
  {
    name: 'Contacts',
    path: 'Contacts?$select=Id,FirstName,LastName,CompanyName,PhoneNumber,Mobile2,Business,Business2,Home',
    schema: 'Pbx.Contact',
    reads: [
      'FirstName',
      'LastName',
      'CompanyName',
      'PhoneNumber',
      'Mobile2',
      'Business',
      'Business2',
      'Home',
    ],
    parse: XAPI_PARSERS.Contacts,
    collection: true,
  },
  {
    name: 'VoicemailSettings',
    path: 'VoicemailSettings?$select=Extension',
    schema: 'Pbx.VoicemailSettings',
    reads: ['Extension'],
    parse: XAPI_PARSERS.VoicemailSettings,
    collection: false,
  },
  {
    name: 'Defs',
    path: 'Defs?$select=Id',
    schema: 'Pbx.Defs',
    reads: ['Id'],
    parse: XAPI_PARSERS.Defs,
    collection: false,
    // Seed 1196612602: a fraction as an Id.
    regressions: [{ Id: 5e-324 }],
  },
  {
    name: 'GetCallLogData',
    path: `${CALL_LOG}?$top=100`,
    schema: 'Pbx.CallLogData',
    reads: [
      'MainCallHistoryId',
      'CallId',
      'StartTime',
      'SourceType',
      'SourceDn',
      'SourceCallerId',
      'SourceDisplayName',
      'DestinationType',
      'DestinationDn',
      'DestinationCallerId',
      'DestinationDisplayName',
      'RingingDuration',
      'TalkingDuration',
      'Answered',
      'Direction',
      'DstRecId',
      'SrcRecId',
    ],
    parse: CALL_LOG_PARSERS.GetCallLogData,
    collection: true,
    // Seeds 1177927004 and later: a start time that is no time (NaN), durations that are no durations (0 or
    // Infinity).
    regressions: [
      { StartTime: 'P' },
      { StartTime: '' },
      { RingingDuration: 'PDTH' },
      { RingingDuration: '' },
      { TalkingDuration: `P${'9'.repeat(320)}D` },
    ],
  },
  {
    name: 'CallHistoryView',
    path: 'CallHistoryView?$top=100',
    schema: 'Pbx.CallHistoryView',
    reads: [
      'SegmentId',
      'SegmentStartTime',
      'SrcDn',
      'SrcDnType',
      'SrcCallerNumber',
      'SrcDisplayName',
      'DstDn',
      'DstDnType',
      'DstCallerNumber',
      'DstDisplayName',
      'CallTime',
      'CallAnswered',
      'DstRecId',
    ],
    parse: CALL_LOG_PARSERS.CallHistoryView,
    collection: true,
    // Seeds 92569812 and later: as for the call log. Seed 1124249999: a DN type beyond int32.
    regressions: [
      { SegmentStartTime: ' 026-12-02T02:21:05.828Z' },
      { CallTime: '' },
      { CallTime: ' T0S' },
      { DstDnType: -332213270011381 },
    ],
  },
];

/** One case: a row (or body) to parse, or a whole answer text. */
type Input = { row: unknown } | { answer: string };

/** The values at a path (`[]` fans out over array items); absent ones left out. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return value === undefined ? [] : [value];
  const [head, ...rest] = path;
  if (head === '[]') return Array.isArray(value) ? value.flatMap((item) => valuesAt(item, rest)) : [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return valuesAt((value as Record<string, unknown>)[head!], rest);
}

/** Why a parser's output is not a sound domain value (a number that is NaN or infinite), or undefined. */
function unsound(value: unknown, where = 'result'): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${where} is ${value}`;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unsound(item, `${where}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = unsound(item, `${where}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Parses like the client does; the reason it misbehaved, or undefined (a typed value or a PbxError). */
function misbehaviour(endpoint: Endpoint, schemas: XapiSchemas, input: unknown): string | undefined {
  let output: unknown;
  try {
    output = endpoint.parse(input);
  } catch (error) {
    return error instanceof PbxError ? undefined : `threw ${String(error)}`;
  }
  for (const read of endpoint.reads) {
    const path = read.split('.');
    // null is "absent" to the gateway's parsers (they take it for every optional field): no type to check.
    for (const value of valuesAt(input, path).filter((v) => v !== null)) {
      const errors = schemas.errorsAt(endpoint.schema, path, value);
      if (errors.length > 0)
        return `accepted ${JSON.stringify(value)} at ${read} (${errors.join('; ')}) as ${JSON.stringify(output)}`;
    }
  }
  return unsound(output);
}

/** A whole answer text through the client's steps: JSON, page envelope, each row. */
function misbehaviourOfText(endpoint: Endpoint, schemas: XapiSchemas, text: string): string | undefined {
  let rows: unknown[];
  try {
    const body = parseJsonAnswer(text, endpoint.name, 200);
    rows = endpoint.collection ? pageRows(body, endpoint.name) : [body];
  } catch (error) {
    return error instanceof PbxError ? undefined : `threw ${String(error)}`;
  }
  for (const row of rows) {
    const found = misbehaviour(endpoint, schemas, row);
    if (found) return found;
  }
  return undefined;
}

describe('fuzz: xAPI answers through every parser', () => {
  let sim: SimHarness;
  const samples = new Map<string, unknown[]>();

  before(async () => {
    sim = await SimHarness.start({
      extensions: 12,
      queues: 2,
      ringGroups: 2,
      trunks: 2,
      traffic: 'busy',
      seed: 7,
    });
    await sim.script('POST', 'traffic', { steps: 600 });
    for (const endpoint of ENDPOINTS) {
      const ringGroup = (samples.get('RingGroups')?.[0] as { Id?: number } | undefined)?.Id;
      const body = await sim.xapiJson<Record<string, unknown>>(
        endpoint.path.replace('{RingGroup}', String(ringGroup)),
      );
      samples.set(endpoint.name, endpoint.collection ? (body.value as unknown[]) : [body]);
    }
  });
  after(() => sim?.stop());

  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.name}: typed value or PbxError, never a wrong type`, async (t: TestContext) => {
      const file = requireShared(t, '3cx/xapi-swagger-20.0.10.yaml');
      if (!file) return;
      const schemas = new XapiSchemas(file);
      const rows = samples.get(endpoint.name)!;
      if (rows.length === 0) throw new Error(`the simulator gave no ${endpoint.name} to mutate`);
      for (const row of rows) {
        const found = misbehaviour(endpoint, schemas, row);
        if (found) throw new Error(`a real sample misbehaves: ${found}`);
      }
      const text = JSON.stringify(endpoint.collection ? { value: rows.slice(0, 3) } : rows[0]);
      const input: fc.Arbitrary<Input> = fc.oneof(
        {
          weight: 6,
          arbitrary: fc
            .constantFrom(...rows)
            .chain(mutatedJson)
            .map((row) => ({ row })),
        },
        { weight: 2, arbitrary: fc.jsonValue().map((row) => ({ row })) },
        { weight: 2, arbitrary: mutatedText(text).map((answer) => ({ answer })) },
      );
      await fuzz(
        t,
        `xapi ${endpoint.name}`,
        fc.property(input, (value) => {
          const found =
            'row' in value
              ? misbehaviour(endpoint, schemas, value.row)
              : misbehaviourOfText(endpoint, schemas, value.answer);
          if (found) throw new Error(found);
        }),
        {
          timeMs: 1000,
          examples: (endpoint.regressions ?? []).map((fields): [Input] => [
            { row: { ...(rows[0] as object), ...fields } },
          ]),
        },
      );
    });
  }
});
