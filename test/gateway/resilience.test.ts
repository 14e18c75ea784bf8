// Outages: the PBX failing in every way, the broker dying, tokens expiring, Home Assistant restarting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch, retainedOn } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

describe('gateway resilience', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let watch: MqttWatch;

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 30, tokenTtlSeconds: 3600 });
    if (!broker) return;
    watch = await MqttWatch.connect(broker.url);
    gw = startGateway(
      gatewayConfig(sim, broker.url, { polling: { calls: '200ms', presence: '300ms', trunks: '300ms' } }),
    );
    await watch.waitFor(
      'a complete topic tree',
      () => watch.values('3cx2mqtt/extension/').size === 30 && watch.values('homeassistant/').size >= 36,
      20_000,
    );
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  for (const mode of ['500', '503', 'reset', 'hang'] as const) {
    it(`PBX outage (${mode}): offline after 3 failed polls, entity topics untouched, online at the first success`, async (t) => {
      if (!broker) return t.skip();
      const before = watch.values('3cx2mqtt/extension/');
      const start = Date.now();
      await sim.script('POST', 'fault', { mode });
      await watch.waitFor(
        'pbx/availability offline',
        () =>
          watch.since(start).some((m) => m.topic === '3cx2mqtt/pbx/availability' && m.payload === 'offline'),
        mode === 'hang' ? 45_000 : 15_000,
      );
      const failures = (
        await sim.script<{ requests: { seq: number; fault?: string; time: string }[] }>('GET', 'requests')
      ).requests.filter((r) => r.fault === mode && Date.parse(r.time) >= start - 1000);
      assert.ok(failures.length >= 3, `only ${failures.length} failed requests before offline`);
      // pbx and pbx/availability are separate messages: wait for the other one rather than race it.
      const systemStatus = () =>
        (JSON.parse(watch.latest().get('3cx2mqtt/pbx')!) as { system_status: string }).system_status;
      await watch.waitFor('pbx system_status OFFLINE', () => systemStatus() === 'OFFLINE', 5000);
      assert.deepEqual(
        watch.since(start).filter((m) => m.topic.startsWith('3cx2mqtt/extension/')),
        [],
        'an outage changes no entity topic',
      );
      assert.deepEqual(watch.values('3cx2mqtt/extension/'), before);
      const recovery = Date.now();
      await sim.script('DELETE', 'fault');
      await watch.waitFor(
        'pbx/availability online',
        () =>
          watch
            .since(recovery)
            .some((m) => m.topic === '3cx2mqtt/pbx/availability' && m.payload === 'online'),
        mode === 'hang' ? 30_000 : 15_000,
      );
      await watch.waitFor('pbx system_status ONLINE', () => systemStatus() === 'ONLINE', 5000);
    });
  }

  it('a malformed answer is logged with its endpoint and changes nothing', async (t) => {
    if (!broker) return t.skip();
    const start = Date.now();
    await sim.script('POST', 'fault', { mode: 'malformed', path: '^/xapi/v1/Users$', count: 1 });
    await watch.waitFor(
      'the malformed answer to be logged',
      () => gw.logLines.find((l) => l.includes('"endpoint":"Users"') && l.includes('parse')),
      10_000,
    );
    assert.deepEqual(
      watch.since(start).filter((m) => m.topic.startsWith('3cx2mqtt/extension/')),
      [],
    );
  });

  it('broker killed and restarted: full state back within 5 s of the restart', async (t) => {
    if (!broker) return t.skip();
    const expected = await retainedOn(broker.url);
    assert.ok(expected.size > 60);
    const lost = gw.logLines.filter((l) => l.includes('MQTT connection lost')).length;
    await broker.kill();
    // Down until the gateway has noticed, so that it reconnects to an empty broker.
    await watch.waitFor(
      'the gateway to notice',
      () => gw.logLines.filter((l) => l.includes('MQTT connection lost')).length > lost,
    );
    await broker.restart();
    const restartedAt = Date.now();
    let restored: Map<string, string> = new Map();
    for (let attempt = 0; attempt < 20 && Date.now() - restartedAt < 5000; attempt++) {
      await new Promise((r) => setTimeout(r, 250));
      restored = await retainedOn(broker.url, '#', 300);
      if ([...expected.keys()].every((topic) => restored.has(topic))) break;
    }
    const missing = [...expected.keys()].filter((topic) => !restored.has(topic));
    assert.deepEqual(missing, [], `missing after restart`);
    assert.ok(Date.now() - restartedAt <= 5000 + 1000);
    assert.equal(restored.get('3cx2mqtt/bridge/state'), 'online');
    await watch.close();
    watch = await MqttWatch.connect(broker.url);
  });

  it('token expiry mid-run: transparent re-login, no gap in state', async (t) => {
    if (!broker) return t.skip();
    await sim.script('POST', 'auth', { revoke: true });
    const start = Date.now();
    await sim.script(
      'PATCH',
      `extensions/${(await sim.script<{ extensions: string[] }>('GET', 'state')).extensions[0]!}`,
      { presence: 'Away' },
    );
    await watch.waitFor(
      'the change after re-login',
      () =>
        watch
          .since(start)
          .some((m) => m.topic.startsWith('3cx2mqtt/extension/') && m.payload.includes('"Away"')),
      30_000,
    );
    assert.ok(
      !watch.since(start).some((m) => m.topic === '3cx2mqtt/pbx/availability' && m.payload === 'offline'),
    );
    const { requests } = await sim.script<{ requests: { path: string; status: number; time: string }[] }>(
      'GET',
      'requests',
    );
    assert.ok(requests.some((r) => r.path === '/connect/token' && Date.parse(r.time) >= start - 1000));
  });

  it('Home Assistant birth: discovery and state re-published', async (t) => {
    if (!broker) return t.skip();
    const start = Date.now();
    await watch.publish('homeassistant/status', 'online');
    await watch.waitFor(
      're-published discovery',
      () => {
        const since = watch.since(start);
        return (
          since.filter((m) => m.topic.startsWith('homeassistant/device/')).length >= 36 &&
          since.some((m) => m.topic.startsWith('3cx2mqtt/extension/'))
        );
      },
      5000,
    );
  });
});
