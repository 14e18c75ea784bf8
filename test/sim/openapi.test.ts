// Every endpoint's JSON, validated against 3CX's own OpenAPI schemas (../shared/3cx/xapi-swagger-20.0.10.yaml),
// and no field the schema does not declare.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimHarness } from '../helpers/pbx-http.ts';
import { XapiSchemas } from '../helpers/openapi.ts';
import { requireShared } from '../helpers/shared.ts';

const CALL_LOG =
  "ReportCallLogData/Pbx.GetCallLogData(periodFrom=2000-01-01T00:00:00Z,periodTo=2100-01-01T00:00:00Z,sourceType=0,sourceFilter=''," +
  "destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)";

describe('simulator responses match 3CX’s OpenAPI schemas', () => {
  let sim: SimHarness;
  let schemas: XapiSchemas | undefined;

  before(async () => {
    sim = await SimHarness.start({ extensions: 30, traffic: 'busy', seed: 3 });
    // Enough traffic for every kind of row: calls in progress, ended calls, recordings.
    await sim.script('POST', 'traffic', { steps: 900 });
  });
  after(() => sim.stop());

  const collections: [string, string, string][] = [
    ['ActiveCalls', 'Pbx.ActiveCallCollectionResponse', 'Pbx.ActiveCall'],
    ['Users?$expand=ForwardingProfiles,Groups', 'Pbx.UserCollectionResponse', 'Pbx.User'],
    ['RingGroups?$expand=Members', 'Pbx.RingGroupCollectionResponse', 'Pbx.RingGroup'],
    ['Queues?$expand=Agents', 'Pbx.QueueCollectionResponse', 'Pbx.Queue'],
    ['Trunks', 'Pbx.TrunkCollectionResponse', 'Pbx.Trunk'],
    ['Peers', 'Pbx.PeerCollectionResponse', 'Pbx.Peer'],
    ['Contacts', 'Pbx.ContactCollectionResponse', 'Pbx.Contact'],
    ['CallHistoryView?$top=100', 'Pbx.CallHistoryViewCollectionResponse', 'Pbx.CallHistoryView'],
    ['Recordings?$top=100', 'Pbx.RecordingCollectionResponse', 'Pbx.Recording'],
    [`${CALL_LOG}?$top=500`, 'Pbx.CallLogDataCollectionResponse', 'Pbx.CallLogData'],
    [
      'LastCdrAndChatMessageTimestamp',
      'Pbx.LastCdrAndChatMessageTimestampCollectionResponse',
      'Pbx.LastCdrAndChatMessageTimestamp',
    ],
  ];

  for (const [path, collectionSchema, itemSchema] of collections) {
    it(path.split('?')[0]!.split('/')[0], async (t) => {
      const file = requireShared(t, '3cx/xapi-swagger-20.0.10.yaml');
      if (!file) return;
      schemas ??= new XapiSchemas(file);
      const body = await sim.xapiJson(path);
      assert.ok(body.value.length > 0, `${path} returned no rows to validate`);
      const { '@odata.context': _context, ...rest } = body as Record<string, unknown>;
      assert.deepEqual(schemas.errors(collectionSchema, rest), []);
      const known = schemas.propertyNames(itemSchema);
      for (const row of body.value) {
        for (const key of Object.keys(row)) assert.ok(known.has(key), `${itemSchema} has no property ${key}`);
      }
    });
  }

  const singles: [string, string][] = [
    ['SystemStatus', 'Pbx.SystemStatus'],
    ['Defs?$expand=Codecs', 'Pbx.Defs'],
    ['VoicemailSettings', 'Pbx.VoicemailSettings'],
  ];
  for (const [path, schema] of singles) {
    it(path.split('?')[0], async (t) => {
      const file = requireShared(t, '3cx/xapi-swagger-20.0.10.yaml');
      if (!file) return;
      schemas ??= new XapiSchemas(file);
      const { '@odata.context': _context, ...value } = await sim.xapiJson<Record<string, unknown>>(path);
      assert.deepEqual(schemas.errors(schema, value), []);
      const known = schemas.propertyNames(schema);
      for (const key of Object.keys(value)) assert.ok(known.has(key), `${schema} has no property ${key}`);
    });
  }

  it('Users({Id})/ForwardingProfiles and MakeCall', async (t) => {
    const file = requireShared(t, '3cx/xapi-swagger-20.0.10.yaml');
    if (!file) return;
    schemas ??= new XapiSchemas(file);
    const user = (
      await sim.xapiJson("Users?$filter=IsRegistered eq true and not startsWith(Number,'HD')&$top=1")
    ).value[0]!;
    const { '@odata.context': _c, ...profiles } = await sim.xapiJson<Record<string, unknown>>(
      `Users(${String(user.Id)})/ForwardingProfiles`,
    );
    assert.deepEqual(schemas.errors('Pbx.ForwardingProfileCollectionResponse', profiles), []);
    const made = await sim.xapi('Users/Pbx.MakeCall', {
      method: 'POST',
      body: { dn: user.Number, destination: '+4930111222', contact: null, testCall: false },
    });
    assert.equal(made.status, 200);
    const { '@odata.context': _m, ...result } = made.json<Record<string, unknown>>();
    assert.deepEqual(schemas.errors('Pbx.CallControlResultResponse', result), []);
  });

  it('the validator itself rejects a wrong shape (so the checks above can fail)', (t) => {
    const file = requireShared(t, '3cx/xapi-swagger-20.0.10.yaml');
    if (!file) return;
    schemas ??= new XapiSchemas(file);
    assert.ok(
      schemas.errors('Pbx.ActiveCallCollectionResponse', { value: [{ Id: 'x', EstablishedAt: 'yesterday' }] })
        .length >= 2,
    );
    assert.ok(schemas.errors('Pbx.Trunk', { Direction: 'Sideways' }).length > 0);
  });

  it('error bodies are ODataErrors.ODataError objects', async () => {
    const answer = await sim.xapi('Users?$top=101');
    const body = answer.json<{ error: { code: string; message: string } }>();
    assert.equal(typeof body.error.code, 'string');
    assert.equal(typeof body.error.message, 'string');
  });
});
