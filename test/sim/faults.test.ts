// The body faults of POST /sim/fault (truncated, wrong-types, huge), faults on Call Control REST, and the
// request log's summary by endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RequestLog } from '../../src/sim/request-log.ts';
import { call, SimHarness } from '../helpers/pbx-http.ts';
import { XapiSchemas } from '../helpers/openapi.ts';
import { requireShared } from '../helpers/shared.ts';

describe('body faults', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await SimHarness.start({ extensions: 20 });
  });
  after(() => sim.stop());

  it('truncated: declares the whole body, sends half and drops the connection; the request still takes effect', async () => {
    const started = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930111000', to: '101' });
    await sim.script('POST', 'fault', { mode: 'truncated', count: 2 });
    await assert.rejects(sim.xapi('Users?$top=50'), 'the client sees the transfer cut off');
    await assert.rejects(sim.xapi(`ActiveCalls(${started.id})/Pbx.DropCall`, { method: 'POST' }));
    assert.deepEqual(
      (await sim.xapiJson('ActiveCalls')).value.filter((r) => r.Id === started.id),
      [],
      'the drop happened although its answer was cut off',
    );
    const { requests } = await sim.script<{ requests: { status: number; fault?: string }[] }>(
      'GET',
      'requests',
    );
    assert.deepEqual(
      requests.slice(-3).map((r) => [r.status, r.fault ?? null]),
      [
        [200, 'truncated'],
        [200, 'truncated'],
        [200, null],
      ],
    );
  });

  it('wrong-types: the right shape with mistyped fields, then a value that is an object; schema validation fails', async (t) => {
    await sim.script('POST', 'fault', { mode: 'wrong-types', count: 2, path: '^/xapi/v1/Users$' });
    const first = await sim.xapi('Users?$top=3&$select=Id,Number,IsRegistered,DisplayName');
    assert.equal(first.status, 200);
    const rows = first.json<{ value: Record<string, unknown>[] }>().value;
    assert.equal(rows.length, 3);
    assert.equal(typeof rows[0]!.Number, 'number', 'Number "100" comes as 100');
    assert.equal(typeof rows[0]!.Id, 'string');
    assert.ok(['yes', 'no'].includes(rows[0]!.IsRegistered as string));
    assert.equal(typeof rows[0]!.DisplayName, 'string');
    const second = await sim.xapi('Users?$top=3');
    const value = second.json<{ value: unknown }>().value;
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), 'value is an object');
    assert.equal(Object.keys(value).length, 3);
    assert.ok(Array.isArray((await sim.xapiJson('Users?$top=3')).value), 'recovered after count');
    const file = requireShared(t, '3cx/xapi-swagger-20.0.10.yaml');
    if (!file) return;
    const schemas = new XapiSchemas(file);
    const { '@odata.context': _c, ...firstBody } = first.json<Record<string, unknown>>();
    assert.ok(schemas.errors('Pbx.UserCollectionResponse', firstBody).length > 0);
    const { '@odata.context': _d, ...secondBody } = second.json<Record<string, unknown>>();
    assert.ok(schemas.errors('Pbx.UserCollectionResponse', secondBody).length > 0);
  });

  it('huge: a valid 20 MB answer of repeated rows; a WAV download is left alone', async () => {
    await sim.script('POST', 'fault', { mode: 'huge', count: 1, path: '^/xapi/v1/Users$' });
    const answer = await sim.xapi('Users?$top=2&$select=Id,Number');
    assert.ok(answer.body.length >= 20 * 1024 * 1024, `${answer.body.length} bytes`);
    const rows = answer.json<{ value: { Number: string }[] }>().value;
    assert.ok(rows.length > 100_000);
    assert.deepEqual(Object.keys(rows[0]!), ['Id', 'Number']);
    const started = await sim.script<{ id: number }>('POST', 'calls', {
      from: '+4930121000',
      to: '101',
      recorded: true,
    });
    await sim.script('POST', `calls/${started.id}/answer`);
    await sim.script('POST', `calls/${started.id}/hangup`);
    const filter = encodeURIComponent("FromCallerNumber eq '+4930121000'");
    const id = (await sim.xapiJson(`Recordings?$filter=${filter}`)).value[0]!.Id;
    await sim.script('POST', 'fault', { mode: 'huge', count: 1 });
    const wav = await sim.xapi(`Recordings/Pbx.DownloadRecording(recId=${String(id)})`);
    assert.equal(wav.body.subarray(0, 4).toString('ascii'), 'RIFF');
    assert.ok(wav.body.length < 1024 * 1024);
  });

  it('covers Call Control REST by default', async () => {
    const token = await sim.clientToken();
    await sim.script('POST', 'fault', { mode: '503', count: 1 });
    const answer = await call(`${sim.url}/callcontrol`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(answer.status, 503);
    assert.equal(
      (await call(`${sim.url}/callcontrol`, { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
  });

  it('rejects an unknown mode with the list of modes', async () => {
    const answer = await call(`${sim.url}/sim/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'gremlins' }),
    });
    assert.equal(answer.status, 400);
    assert.match(answer.text, /truncated \| wrong-types \| huge/);
  });
});

describe('request log summary', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await SimHarness.start({ extensions: 10 });
  });
  after(() => sim.stop());

  it('counts requests by method and endpoint, ids replaced by {Id}, since a sequence number or a time', async () => {
    await sim.script('DELETE', 'requests');
    const token = await sim.clientToken();
    const before = await sim.script<{ last_seq: number }>('GET', 'requests/summary');
    await sim.xapi('Users(1)');
    await sim.xapi("Users(Number='101')");
    await sim.xapi('Users(999999)');
    await sim.xapi('ActiveCalls');
    await call(`${sim.url}/callcontrol/101/participants/8123`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const summary = await sim.script<{
      total: number;
      endpoints: { method: string; endpoint: string; count: number; statuses: Record<string, number> }[];
    }>('GET', `requests/summary?since=${before.last_seq}`);
    assert.deepEqual(summary.endpoints, [
      { method: 'GET', endpoint: '/xapi/v1/Users({Id})', count: 3, statuses: { 200: 2, 404: 1 } },
      { method: 'GET', endpoint: '/callcontrol/{Id}/participants/{Id}', count: 1, statuses: { 404: 1 } },
      { method: 'GET', endpoint: '/xapi/v1/ActiveCalls', count: 1, statuses: { 200: 1 } },
    ]);
    assert.equal(summary.total, 5);
    const state = await sim.script<{ server_now: string }>('GET', 'state');
    await sim.xapi('ActiveCalls');
    const byTime = await sim.script<{ total: number }>(
      'GET',
      `requests/summary?since=${encodeURIComponent(state.server_now)}`,
    );
    assert.equal(byTime.total, 1);
    await assert.rejects(sim.script('GET', 'requests/summary?since=yesterday'), /400/);
  });

  it('keeps at most its limit, the newest, in order', () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 5; i++) log.add({ time: '', method: 'GET', path: `/p${i}`, query: {}, status: 200 });
    assert.deepEqual(
      log.after(0).map((e) => [e.seq, e.path]),
      [
        [3, '/p3'],
        [4, '/p4'],
        [5, '/p5'],
      ],
    );
    assert.deepEqual(
      log.after(4).map((e) => e.seq),
      [5],
    );
    log.clear();
    assert.deepEqual(log.after(0), []);
    log.add({ time: '', method: 'GET', path: '/p6', query: {}, status: 200 });
    assert.deepEqual(
      log.after(0).map((e) => e.seq),
      [6],
      'sequence numbers go on after a clear',
    );
  });
});
