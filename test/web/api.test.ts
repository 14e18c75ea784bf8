// The HTTP API: every endpoint's status codes and shapes, auth, security headers, metrics, and the 3CX webhook.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { request } from 'undici';
import type { CallRecord } from '../../src/domain/call.ts';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';

const AUTH = 'dash-token-123';
const HOOK = 'hook-token-456';

async function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
) {
  const response = await request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers,
    body: options.body,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, text: body.toString('utf8'), body };
}

describe('HTTP API', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let base = '';
  let ext = '';
  const bearer = { authorization: `Bearer ${AUTH}` };
  /** Waits until the dashboard API shows the call talking: the gateway saw it answered. */
  const talking = (simId: number) =>
    waitUntil(`call ${simId} talking in /api/state`, async () =>
      (
        JSON.parse((await http(`${base}/api/state`, { headers: bearer })).text) as {
          calls: { active: CallRecord[] };
        }
      ).calls.active.some((c) => c.pbx_call_ids.includes(simId) && c.status === 'talking'),
    );

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 6, queues: 1, trunks: 2 });
    ext = (await sim.registeredExtensions())[0]!;
    if (!broker) return;
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        polling: { calls: '200ms', presence: '500ms', trunks: '500ms' },
        web: {
          listen: '127.0.0.1:0',
          auth_token: AUTH,
          webhook_token: HOOK,
          frame_ancestors: "'self' http://homeassistant.local:8123",
        },
      }),
    );
    base = await startWeb(gw);
    await waitUntil(
      'the gateway ready, with extensions',
      async () =>
        (await http(`${base}/readyz`)).status === 200 &&
        (JSON.parse((await http(`${base}/api/state`, { headers: bearer })).text) as { extensions: unknown[] })
          .extensions.length > 0,
      20_000,
    );
  });
  after(async () => {
    await gw?.stop();
    await sim?.stop();
    await broker?.stop();
  });

  it('requires the auth token for the dashboard and API (Bearer, cookie or ?token=)', async (t: TestContext) => {
    if (!broker) return t.skip();
    assert.equal((await http(`${base}/api/state`)).status, 401);
    assert.equal((await http(`${base}/`)).status, 401);
    assert.equal(
      (await http(`${base}/api/state`, { headers: { authorization: 'Bearer wrong' } })).status,
      401,
    );
    assert.equal((await http(`${base}/api/state`, { headers: bearer })).status, 200);
    assert.equal((await http(`${base}/api/state?token=${AUTH}`)).status, 200);
    const page = await http(`${base}/?token=${AUTH}`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['set-cookie']), /^3cx2mqtt_token=dash-token-123; Path=\/; HttpOnly/);
    assert.equal(
      (await http(`${base}/api/state`, { headers: { cookie: `3cx2mqtt_token=${AUTH}` } })).status,
      200,
    );
    assert.equal((await http(`${base}/healthz`)).status, 200, 'open_metrics keeps /healthz open');
    assert.equal((await http(`${base}/metrics`)).status, 200);
  });

  it('serves the dashboard with security headers and no inline script', async (t: TestContext) => {
    if (!broker) return t.skip();
    const page = await http(`${base}/`, { headers: bearer });
    assert.match(String(page.headers['content-type']), /text\/html/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'self' http:\/\/homeassistant\.local:8123/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.ok(!/<script>[^<]/.test(page.text), 'no inline script');
    const assets = await Promise.all(
      ['/app.js', '/style.css'].map((p) => http(`${base}${p}`, { headers: bearer })),
    );
    assert.deepEqual(
      assets.map((a) => a.status),
      [200, 200],
    );
    const weight = page.body.length + assets.reduce((sum, a) => sum + a.body.length, 0);
    assert.ok(weight < 150 * 1024, `page weight ${weight} bytes`);
    assert.equal((await http(`${base}/nope`, { headers: bearer })).status, 404);
    assert.equal((await http(`${base}/api/state`, { method: 'POST', headers: bearer })).status, 405);
  });

  it('/api/state holds the same objects as the MQTT topics', async (t: TestContext) => {
    if (!broker) return t.skip();
    const state = JSON.parse((await http(`${base}/api/state`, { headers: bearer })).text) as {
      pbx: Record<string, unknown>;
      extensions: { number: string; status: string }[];
      queues: unknown[];
      trunks: unknown[];
      calls: { active: unknown[]; recent: unknown[]; missed: unknown[] };
      pbx_availability: string;
    };
    assert.equal(state.extensions.length, 6);
    assert.equal(state.queues.length, 1);
    assert.equal(state.trunks.length, 2);
    assert.equal(state.pbx_availability, 'online');
    assert.equal(state.pbx.system_status, 'ONLINE');
    assert.ok('call_state' in state.pbx && 'missed_count' in state.pbx);
    assert.ok(Array.isArray(state.calls.recent));
  });

  it('/healthz and /readyz report what is up', async (t: TestContext) => {
    if (!broker) return t.skip();
    const health = JSON.parse((await http(`${base}/healthz`)).text) as { status: string; down: string[] };
    assert.deepEqual([health.status, health.down], ['ok', []]);
    assert.equal((await http(`${base}/readyz`)).status, 200);
    await sim.script('POST', 'fault', { mode: '503' });
    try {
      const ready = await waitUntil('readyz 503', async () => {
        const answer = await http(`${base}/readyz`);
        return answer.status === 503 ? answer : undefined;
      });
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.text), { pbx: 'down', mqtt: 'up', calls: 'down' });
      assert.equal((await http(`${base}/healthz`)).status, 200, 'the loops still run during an outage');
    } finally {
      await sim.script('DELETE', 'fault');
    }
    await waitUntil('readyz 200 again', async () => (await http(`${base}/readyz`)).status === 200);
  });

  it('/metrics is Prometheus text with the gateway figures', async (t: TestContext) => {
    if (!broker) return t.skip();
    const metrics = await http(`${base}/metrics`);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const line of metrics.text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      assert.match(
        line,
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? -?[0-9.e+-]+(Inf)?$|^[a-zA-Z_:][a-zA-Z0-9_:]* NaN$/,
        line,
      );
    }
    for (const name of [
      'tcx2mqtt_pbx_request_duration_seconds_bucket',
      'tcx2mqtt_pbx_request_errors_total',
      'tcx2mqtt_active_calls',
      'tcx2mqtt_calls_today',
      'tcx2mqtt_queue_waiting_callers',
      'tcx2mqtt_extension_registered',
      'tcx2mqtt_mqtt_publishes',
      'tcx2mqtt_mqtt_reconnects',
    ]) {
      assert.ok(metrics.text.includes(name), `missing ${name}`);
    }
    assert.match(
      metrics.text,
      /tcx2mqtt_pbx_request_errors_total\{endpoint="[^"]+",status="503"\} [1-9]/,
      'the outage above was counted',
    );
  });

  it('/api/calls pages the history and rejects bad parameters; /api/recordings streams the PBX recording', async (t: TestContext) => {
    if (!broker) return t.skip();
    const c = await sim.script<{ id: number }>('POST', 'calls', {
      from: '+4930600700',
      to: ext,
      trunk: '10001',
      recorded: true,
    });
    await sim.script('POST', `calls/${c.id}/answer`);
    await talking(c.id);
    await sim.script('POST', `calls/${c.id}/hangup`);
    const call = await waitUntil(
      'the call with its recording in /api/calls',
      async () =>
        (
          JSON.parse((await http(`${base}/api/calls?limit=10`, { headers: bearer })).text) as {
            calls: CallRecord[];
          }
        ).calls.find((r) => r.pbx_call_ids.includes(c.id) && r.recording_url),
      12_000,
      200,
    );
    assert.equal(call.outcome, 'answered');
    const missedOnly = JSON.parse(
      (await http(`${base}/api/calls?missed=true`, { headers: bearer })).text,
    ) as { calls: CallRecord[] };
    assert.ok(missedOnly.calls.every((r) => r.outcome === 'missed' || r.outcome === 'voicemail'));
    const future = JSON.parse(
      (await http(`${base}/api/calls?from=2099-01-01`, { headers: bearer })).text,
    ) as { calls: unknown[] };
    assert.deepEqual(future.calls, []);
    for (const bad of ['limit=0', 'limit=abc', 'from=yesterday', 'missed=maybe', 'offset=-1']) {
      assert.equal((await http(`${base}/api/calls?${bad}`, { headers: bearer })).status, 400, bad);
    }
    const id = /\/api\/recordings\/(\d+)$/.exec(call.recording_url!)![1];
    const wav = await http(`${base}/api/recordings/${id}`, { headers: bearer });
    assert.equal(wav.status, 200);
    assert.equal(wav.headers['content-type'], 'audio/wav');
    assert.equal(wav.body.subarray(0, 4).toString(), 'RIFF');
    assert.equal((await http(`${base}/api/recordings/999999`, { headers: bearer })).status, 404);
  });

  it('webhook: token, size and shape checks', async (t: TestContext) => {
    if (!broker) return t.skip();
    const post = (body: string | Buffer, headers: Record<string, string> = {}, path = '/webhook/3cx') =>
      http(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    assert.equal((await post('{}')).status, 401);
    assert.equal((await post('{}', { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await post(Buffer.alloc(70 * 1024, 'a'), { authorization: `Bearer ${HOOK}` })).status, 413);
    const broken = await post('{"CallType":', { authorization: `Bearer ${HOOK}` });
    assert.deepEqual(
      [broken.status, JSON.parse(broken.text)],
      [400, { error: 'the body is not valid JSON' }],
    );
    const wrongType = await post(JSON.stringify({ CallType: 'Lost', Number: '123' }), {
      authorization: `Bearer ${HOOK}`,
    });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.text, /CallType/);
    assert.equal(
      (
        await post(
          JSON.stringify({ event: 'ringing', number: '+4930' }),
          { authorization: `Bearer ${HOOK}` },
          '/webhook/3cx/event',
        )
      ).status,
      202,
    );
  });

  it('webhook journaling: a new call is stored once; a call the poller recorded is not counted again', async (t: TestContext) => {
    if (!broker) return t.skip();
    const totals = () => gw.gateway.state().pbx as { total_calls: number; missed_count: number };
    const before = totals();
    const journal = {
      CallType: 'Missed',
      Number: '+4930123123',
      Name: 'Web Hook',
      Agent: ext,
      Duration: '00:00:00',
      CallStartTimeUTC: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const first = await http(`${base}/webhook/3cx?token=${HOOK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(journal).toString(),
    });
    assert.equal(first.status, 201, first.text);
    const again = await http(`${base}/webhook/3cx?token=${HOOK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(journal),
    });
    assert.equal(again.status, 200);
    assert.deepEqual(
      [totals().total_calls, totals().missed_count],
      [before.total_calls + 1, before.missed_count + 1],
    );

    // The poller sees a call; 3CX's journaling for the same call arrives afterwards.
    const c = await sim.script<{ id: number; main_call_history_id: string }>('POST', 'calls', {
      from: '+4930555999',
      to: ext,
      trunk: '10001',
    });
    await sim.script('POST', `calls/${c.id}/answer`);
    await talking(c.id);
    await sim.script('POST', `calls/${c.id}/hangup`);
    await waitUntil('the ended call in the database', () =>
      gw.gateway.store.history({ limit: 50 }).some((r) => r.pbx_call_ids.includes(c.id) && r.ended_at),
    );
    const counted = totals().total_calls;
    const polled = gw.gateway.store.history({ limit: 50 }).find((r) => r.pbx_call_ids.includes(c.id))!;
    const merged = await http(`${base}/webhook/3cx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${HOOK}` },
      body: JSON.stringify({
        CallType: 'Inbound',
        Number: '030555999',
        Name: 'Someone',
        Agent: ext,
        Duration: '00:00:01',
        CallStartTimeUTC: polled.started_at.replace(/\.\d+Z$/, 'Z'),
      }),
    });
    assert.equal(merged.status, 200, merged.text);
    assert.equal((JSON.parse(merged.text) as { id: string }).id, polled.id);
    assert.equal(totals().total_calls, counted, 'counted once');
  });

  it('webhook lookup answers a phonebook match', async (t: TestContext) => {
    if (!broker) return t.skip();
    const contact = (await sim.xapiJson('Contacts?$top=1')).value[0]!;
    const found = JSON.parse(
      (
        await http(
          `${base}/webhook/3cx/lookup?number=${encodeURIComponent(String(contact.PhoneNumber))}&token=${HOOK}`,
        )
      ).text,
    ) as { contacts: { firstName: string }[] };
    assert.equal(found.contacts[0]!.firstName, `${String(contact.FirstName)} ${String(contact.LastName)}`);
    const none = JSON.parse((await http(`${base}/webhook/3cx/lookup?number=000&token=${HOOK}`)).text) as {
      contacts: unknown[];
    };
    assert.deepEqual(none.contacts, []);
  });
});
