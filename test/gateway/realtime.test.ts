// Realtime from Call Control against the simulator and a real mosquitto: the real caller while ringing, the websocket
// dropped, cut or silent mid-call, token expiry, and a PBX that refuses Call Control (auto falls back, callcontrol
// fails). The calls poll runs every 30 s here, so what arrives sooner came from the websocket.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { CallRecord } from '../../src/domain/call.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { pbxRequests, sendCommand } from '../helpers/commands.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';

interface PbxFields {
  call_state: string;
  caller_number: string | null;
  realtime: string;
  missed_count: number;
  total_calls: number;
}
interface EventMessage {
  event_type: string;
  call: CallRecord;
}

let broker: TestBroker | undefined;
let sim: SimHarness;
let watch: MqttWatch;
let registered: string[] = [];

const pbx = () => JSON.parse(watch.latest().get('3cx2mqtt/pbx') ?? '{}') as PbxFields;
const list = (name: 'active' | 'recent') =>
  JSON.parse(watch.latest().get(`3cx2mqtt/calls/${name}`) ?? '[]') as CallRecord[];
const bySimId = (calls: CallRecord[], simId: number) => calls.find((c) => c.pbx_call_ids.includes(simId));
const eventsOf = (simId: number, since: number) =>
  watch
    .since(since)
    .filter((m) => m.topic === '3cx2mqtt/event/call')
    .map((m) => JSON.parse(m.payload) as EventMessage)
    .filter((e) => e.call.pbx_call_ids.includes(simId))
    .map((e) => e.event_type);
const call = (body: Record<string, unknown>) => sim.script<{ id: number }>('POST', 'calls', body);
const act = (id: number, action: string) => sim.script('POST', `calls/${id}/${action}`);
const wait = (what: string, check: () => unknown, ms = 10_000) =>
  watch.waitFor(what, () => check() || undefined, ms);

function start(realtime: string, calls = '30s'): GatewayHarness {
  return startGateway(
    gatewayConfig(sim, broker!.url, { polling: { calls }, pbx: { realtime, timezone: 'Europe/Berlin' } }),
  );
}

before(async () => {
  broker = await startBroker();
  sim = await SimHarness.start({ extensions: 12, ringGroups: 1, queues: 1, trunks: 2 });
  registered = await sim.registeredExtensions();
  if (broker) watch = await MqttWatch.connect(broker.url);
});
after(async () => {
  await watch?.close();
  await sim?.stop();
  await broker?.stop();
});

describe('realtime: callcontrol (calls polled every 30 s)', () => {
  let gw: GatewayHarness;
  before(async () => {
    if (!broker) return;
    gw = start('callcontrol');
    await wait('live', () => pbx().realtime === 'live' && pbx().call_state === 'idle', 15_000);
  });
  after(async () => {
    await gw?.stop();
  });

  it('inbound ringing reaches MQTT with the real caller although ActiveCalls shows the DID', async (t: TestContext) => {
    if (!broker) return t.skip();
    const since = Date.now();
    const c = await call({ from: '+4930555001', to: registered[0], trunk: '10000' });
    await act(c.id, 'ring');
    const rows = (await sim.xapiJson('ActiveCalls')).value.filter((r) => r.Id === c.id);
    assert.ok(
      rows.length > 0 && rows.every((r) => !String(r.Caller).includes('4930555001')),
      `ActiveCalls shows the DID: ${JSON.stringify(rows)}`,
    );
    // The call can show first as routing (no parties yet); the ringing state then carries the real caller.
    await wait(
      'ringing with the real caller',
      () => pbx().call_state === 'ringing' && pbx().caller_number === '+4930555001',
      10_000,
    );
    const extension = `3cx2mqtt/extension/${registered[0]}`;
    await wait(
      'extension ringing',
      () => watch.latest().get(extension)?.includes('"status":"ringing"'),
      3000,
    );
    await act(c.id, 'answer');
    await wait('active', () => pbx().call_state === 'active', 10_000);
    await wait(
      'extension talking',
      () => watch.latest().get(extension)?.includes('"status":"talking"'),
      3000,
    );
    await act(c.id, 'hangup');
    await wait('idle', () => pbx().call_state === 'idle', 10_000);
    const done = (await wait('recent', () => bySimId(list('recent'), c.id), 10_000)) as CallRecord;
    assert.deepEqual([done.outcome, done.caller_number], ['answered', '+4930555001']);
    assert.deepEqual(eventsOf(c.id, since), ['ringing', 'answered', 'ended']);
    assert.ok(Date.now() - since < 10_000, 'no poll was needed');
  });

  for (const way of ['closed (1001)', 'cut (terminate)'] as const)
    it(`websocket ${way} mid-call: resynced, no call lost or doubled, counters exact`, async (t: TestContext) => {
      if (!broker) return t.skip();
      const since = Date.now();
      const before = pbx();
      const answered = await call({ from: '+4930555002', to: registered[1], trunk: '10001' });
      const missed = await call({ from: '+4930555003', to: registered[2], trunk: '10001' });
      await act(answered.id, 'ring');
      await act(missed.id, 'ring');
      await wait('both ringing', () => list('active').length === 2, 10_000);
      await sim.script('POST', 'callcontrol/drop', way === 'cut (terminate)' ? { terminate: true } : {});
      // While it is down: one call is answered, the other hangs up unanswered.
      await act(answered.id, 'answer');
      await act(missed.id, 'hangup');
      await wait('live again', () => pbx().realtime === 'live', 10_000);
      await wait('missed one ended', () => bySimId(list('recent'), missed.id), 15_000);
      await wait(
        'answered one talking',
        () => bySimId(list('active'), answered.id)?.status === 'talking',
        5000,
      );
      await act(answered.id, 'hangup');
      await wait('idle', () => pbx().call_state === 'idle', 10_000);
      assert.deepEqual(eventsOf(answered.id, since), ['ringing', 'answered', 'ended']);
      assert.deepEqual(eventsOf(missed.id, since), ['ringing', 'ended', 'missed']);
      await wait('counters', () => pbx().total_calls === before.total_calls + 2, 10_000);
      assert.equal(pbx().missed_count, before.missed_count + 1);
      const rows = gw.gateway.store
        .history({ limit: 100 })
        .filter((r) => r.pbx_call_ids.some((id) => id === answered.id || id === missed.id));
      assert.equal(rows.length, 2, 'one row per call');
    });

  it('a silent websocket (no pongs) is noticed by its heartbeat and replaced; the call ended meanwhile counts once', async (t: TestContext) => {
    if (!broker) return t.skip();
    const since = Date.now();
    const before = pbx();
    const c = await call({ from: '+4930555004', to: registered[3], trunk: '10001' });
    await act(c.id, 'ring');
    await wait('ringing', () => pbx().call_state === 'ringing', 10_000);
    await sim.script('POST', 'callcontrol/silence', { silent: true });
    await act(c.id, 'hangup');
    // Ping every 5 s, 5 s for the pong: well within 20 s, and long before the 30 s poll would end it (2 polls).
    await wait('ended after the reconnect', () => bySimId(list('recent'), c.id), 20_000);
    assert.equal(pbx().realtime, 'live');
    assert.deepEqual(eventsOf(c.id, since), ['ringing', 'ended', 'missed']);
    assert.equal(pbx().missed_count, before.missed_count + 1);
    await sim.script('POST', 'callcontrol/silence', { silent: false });
  });

  it('click-to-call and drop go through Call Control while it is live', async (t: TestContext) => {
    if (!broker) return t.skip();
    const ext = registered[6]!;
    const dial = await sendCommand(
      watch,
      `extension/${ext}/dial/set`,
      JSON.stringify({ number: registered[7] }),
    );
    assert.equal(dial.ok, true, dial.error);
    assert.equal(dial.result!.status, 'Success');
    const pbxCallId = dial.result!.pbx_call_id as number;
    assert.equal(typeof pbxCallId, 'number');
    assert.equal((await pbxRequests(sim, new RegExp(`^/callcontrol/${ext}/makecall$`))).length, 1);
    assert.equal((await pbxRequests(sim, /^\/xapi\/v1\/Users\/Pbx\.MakeCall$/)).length, 0);
    const active = (await wait(
      'the dialled call',
      () => bySimId(list('active'), pbxCallId),
      3000,
    )) as CallRecord;
    const drop = await sendCommand(watch, 'calls/drop/set', JSON.stringify({ id: active.id }));
    assert.equal(drop.ok, true, drop.error);
    assert.equal((await pbxRequests(sim, /^\/callcontrol\/[^/]+\/participants\/\d+\/drop$/)).length, 1);
    assert.equal((await pbxRequests(sim, /Pbx\.DropCall$/)).length, 0);
    await wait('ended', () => bySimId(list('recent'), pbxCallId), 10_000);
  });

  it('token expiry closes the websocket (4001): a fresh token, a resync, nothing lost', async (t: TestContext) => {
    if (!broker) return t.skip();
    const since = Date.now();
    const c = await call({ from: '+4930555005', to: registered[4], trunk: '10001' });
    await act(c.id, 'ring');
    await wait('ringing', () => pbx().call_state === 'ringing', 10_000);
    const upgrades = (await sim.requests()).filter((r) => r.path === '/callcontrol/ws').length;
    await sim.script('POST', 'clock', { advance_seconds: 4000 });
    await waitUntil(
      'a new websocket',
      async () =>
        (await sim.requests()).filter((r) => r.path === '/callcontrol/ws' && r.status === 101).length >
        upgrades,
      10_000,
      100,
    );
    await wait('live again', () => pbx().realtime === 'live', 10_000);
    await act(c.id, 'answer');
    await wait('active', () => pbx().call_state === 'active', 10_000);
    await act(c.id, 'hangup');
    await wait('idle', () => pbx().call_state === 'idle', 10_000);
    assert.deepEqual(eventsOf(c.id, since), ['ringing', 'answered', 'ended']);
    assert.deepEqual(gw.fatal, []);
  });
});

describe('a PBX that refuses Call Control (403)', () => {
  before(async () => {
    await sim.script('PATCH', 'callcontrol', { enabled: false });
  });
  after(async () => {
    await sim.script('PATCH', 'callcontrol', { enabled: true });
  });

  it('auto: falls back to polling, says why once, and tracks calls by polling', async (t: TestContext) => {
    if (!broker) return t.skip();
    const gw = start('auto', '300ms');
    try {
      await wait('polling', () => pbx().realtime === 'polling' && pbx().call_state === 'idle', 15_000);
      const c = await call({ from: '+4930555006', to: registered[5], trunk: '10001' });
      await act(c.id, 'ring');
      await wait('ringing (polled)', () => pbx().call_state === 'ringing', 15_000);
      await act(c.id, 'hangup');
      await wait('idle', () => pbx().call_state === 'idle', 15_000);
      const warnings = gw.logLines.filter((l) => l.includes('Call Control is not available'));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /403/);
      assert.deepEqual(gw.fatal, []);
    } finally {
      await gw.stop();
    }
  });

  it('callcontrol: fails clearly (fatal: the daemon exits 1)', async (t: TestContext) => {
    if (!broker) return t.skip();
    const gw = start('callcontrol', '300ms');
    try {
      await waitUntil('a fatal error', () => gw.fatal.length > 0, 10_000);
      assert.match(
        gw.fatal[0]!.message,
        /pbx\.realtime is callcontrol, but the PBX refused Call Control \(HTTP 403\)/,
      );
    } finally {
      await gw.stop();
    }
  });
});
