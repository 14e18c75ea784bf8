// Retained commands never run (CONTRACT §3): MQTT 5 subscriptions with Retain As Published and retain handling 2,
// and the documented MQTT 3.1.1 fallback, both against a real mosquitto and the simulator's request log.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import { answers, pbxRequests, sendCommand, MAKE_CALLS } from '../helpers/commands.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const PRESENCE_WRITE = /^\/xapi\/v1\/Users\(\d+\)$/;
const MAKE_CALL = MAKE_CALLS;
const BIRTH_LOG = 'Home Assistant came online';

async function patches(sim: SimHarness): Promise<number> {
  return (await pbxRequests(sim, PRESENCE_WRITE)).filter((r) => r.method === 'PATCH').length;
}
async function makeCalls(sim: SimHarness): Promise<number> {
  return (await pbxRequests(sim, MAKE_CALL)).length;
}

interface Setup {
  broker: Mosquitto;
  sim: SimHarness;
  gw: GatewayHarness;
  watch: MqttWatch;
  ext: string;
}

/**
 * Broker, simulator and gateway, with a retained presence command and a retained HA "online" left beforehand.
 * Whatever was started is in `started`, so the suite stops it even when a later step throws.
 */
async function setUp(t: TestContext, started: Partial<Setup>, protocolVersion?: 4 | 5): Promise<void> {
  const broker = (started.broker = await Mosquitto.start(t));
  if (!broker) return;
  if (broker.kind === 'aedes' && protocolVersion !== 4) {
    // Only outside CI: there mosquitto is mandatory.
    console.log('# SKIP MQTT 5 retained-command tests: they need mosquitto (aedes speaks MQTT 3.1.1 only)');
    return;
  }
  const sim = (started.sim = await SimHarness.start({ extensions: 4 }));
  const ext = (started.ext = (await sim.registeredExtensions())[0]!);
  const seeder = await MqttWatch.connect(broker.url, []);
  await seeder.publish(`3cx2mqtt/extension/${ext}/presence/set`, 'Away', true);
  await seeder.publish('homeassistant/status', 'online', true);
  await seeder.close();
  const watch = (started.watch = await MqttWatch.connect(broker.url));
  started.gw = startGateway(
    gatewayConfig(sim, broker.url, protocolVersion ? { mqtt: { protocol_version: protocolVersion } } : {}),
  );
  await watch.waitFor(
    'the extension and the call list',
    () => watch.latest().has(`3cx2mqtt/extension/${ext}`) && watch.latest().has('3cx2mqtt/calls/active'),
    15_000,
  );
}

async function tearDown(started: Partial<Setup>): Promise<void> {
  await started.gw?.stop();
  await started.watch?.close();
  await started.sim?.stop();
  await started.broker?.stop();
}

function ready(started: Partial<Setup>): Setup | undefined {
  return started.gw ? (started as Setup) : undefined;
}

describe('retained commands over MQTT 5 (the default)', () => {
  const started: Partial<Setup> = {};
  let s: Setup | undefined;
  before(async (t) => {
    await setUp(t as never, started);
    s = ready(started);
  });
  after(() => tearDown(started));

  it('never receives the retained command left on the broker (retain handling 2)', async (t: TestContext) => {
    if (!s) return t.skip();
    // A plain command afterwards is a barrier: anything delivered at subscribe would have been answered first.
    const plain = await sendCommand(s.watch, `extension/${s.ext}/presence/set`, 'Available');
    assert.equal(plain.ok, true, plain.error);
    assert.equal(answers(s.watch).length, 1, 'only the plain command was answered');
    assert.equal(await patches(s.sim), 1, 'only the plain command reached the PBX');
  });

  it('ignores a retained presence/set published while connected, and says why', async (t: TestContext) => {
    if (!s) return t.skip();
    const before = await patches(s.sim);
    const answer = await sendCommand(
      s.watch,
      `extension/${s.ext}/presence/set`,
      '{"presence":"Away","transaction":"r1"}',
      { retain: true },
    );
    assert.deepEqual(answer, {
      command: 'presence',
      ok: false,
      error: 'retained commands are never executed: publish it without the retain flag',
      transaction: 'r1',
    });
    assert.equal(await patches(s.sim), before, 'no PATCH Users reached the PBX');
    assert.ok(s.gw.logLines.some((l) => l.includes('ignored a retained command')));
  });

  it('ignores a retained dial/set published while connected', async (t: TestContext) => {
    if (!s) return t.skip();
    const answer = await sendCommand(s.watch, `extension/${s.ext}/dial/set`, '201', { retain: true });
    assert.deepEqual([answer.command, answer.ok], ['dial', false]);
    assert.match(answer.error!, /retained/);
    assert.equal(await makeCalls(s.sim), 0, 'no MakeCall reached the PBX');
  });

  it('does not answer the empty retained message that clears a command topic', async (t: TestContext) => {
    if (!s) return t.skip();
    const before = answers(s.watch).length;
    await s.watch.publish(`3cx2mqtt/extension/${s.ext}/dial/set`, '', true);
    const plain = await sendCommand(s.watch, `extension/${s.ext}/presence/set`, 'Available');
    assert.equal(plain.ok, true);
    assert.equal(answers(s.watch).length, before + 1, 'only the plain command was answered');
  });

  it('still sees a retained Home Assistant "online" at subscribe as retained, and a live one as a birth', async (t: TestContext) => {
    if (!s) return t.skip();
    assert.ok(!s.gw.logLines.some((l) => l.includes(BIRTH_LOG)), 'the stored "online" is no birth');
    await s.watch.publish('homeassistant/status', 'online', true);
    await s.watch.waitFor('the birth', () => s!.gw.logLines.some((l) => l.includes(BIRTH_LOG)), 5000);
  });

  it('does not warn about MQTT 3.1.1', (t: TestContext) => {
    if (!s) return t.skip();
    assert.ok(!s.gw.logLines.some((l) => l.includes('MQTT 3.1.1')));
  });
});

describe('retained commands over MQTT 3.1.1 (mqtt.protocol_version: 4)', () => {
  const started: Partial<Setup> = {};
  let s: Setup | undefined;
  before(async (t) => {
    await setUp(t as never, started, 4);
    s = ready(started);
  });
  after(() => tearDown(started));

  it('says once, at start, that it cannot tell a live retained publish from a plain one', (t: TestContext) => {
    if (!s) return t.skip();
    const lines = s.gw.logLines.filter((l) => l.includes('MQTT 3.1.1'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /cannot tell a retained command published while connected from a plain one/);
    assert.match(lines[0]!, /"level":40/, 'a warning');
  });

  it('ignores the retained command left on the broker, without an answer', async (t: TestContext) => {
    if (!s) return t.skip();
    const plain = await sendCommand(s.watch, `extension/${s.ext}/presence/set`, 'Available');
    assert.equal(plain.ok, true, plain.error);
    assert.equal(answers(s.watch).length, 1, 'only the plain command was answered');
    assert.equal(await patches(s.sim), 1, 'only the plain command reached the PBX');
    assert.ok(s.gw.logLines.some((l) => l.includes('ignored a retained command')));
  });

  it('runs a retained command published while connected once, as documented, and never again on reconnect', async (t: TestContext) => {
    if (!s) return t.skip();
    const answer = await sendCommand(s.watch, `extension/${s.ext}/dial/set`, '201', { retain: true });
    assert.equal(answer.ok, true, 'the broker delivered it as a plain message');
    assert.equal(await makeCalls(s.sim), 1);
    // Take the gateway's session over: it reconnects, and the broker hands it the stored retained dial again.
    const reconnects = s.gw.gateway.mqtt.stats.reconnects;
    const intruder = await mqtt.connectAsync(s.broker.url, { clientId: '3cx2mqtt_test', reconnectPeriod: 0 });
    await intruder.endAsync();
    await s.watch.waitFor('a reconnect', () => s!.gw.gateway.mqtt.stats.reconnects > reconnects, 10_000);
    const plain = await sendCommand(s.watch, `extension/${s.ext}/presence/set`, 'Available');
    assert.equal(plain.ok, true);
    assert.equal(await makeCalls(s.sim), 1, 'the stored retained dial did not run again');
  });
});
