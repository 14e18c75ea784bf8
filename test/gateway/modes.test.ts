// Output modes, component-mode discovery, switching modes (migrate_discovery), stale cleanup and entity filters.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { haValidate } from '../helpers/ha-validate.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch, retainedOn } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

type Overrides = Parameters<typeof gatewayConfig>[2];

describe('gateway modes', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let extensions: string[] = [];

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 8, ringGroups: 1, queues: 1, trunks: 1 });
    extensions = (await sim.script<{ extensions: string[] }>('GET', 'state')).extensions;
  });
  after(async () => {
    await sim?.stop();
    await broker?.stop();
  });

  /** Runs a gateway until its discovery is out, returns the retained messages, stops it. */
  async function runOnce(
    overrides: Overrides,
    ready: (retained: Map<string, string>) => boolean,
  ): Promise<{ gw: GatewayHarness; watch: MqttWatch }> {
    const watch = await MqttWatch.connect(broker!.url);
    const gw = startGateway(gatewayConfig(sim, broker!.url, overrides));
    try {
      await watch.waitFor('the gateway to publish', () => ready(watch.latest()), 15_000);
      const enabled = overrides?.homeassistant?.enabled !== false;
      await watch.waitFor('the start-up discovery clean-up', () => startUpDone(gw, watch, enabled), 15_000);
    } finally {
      await gw.stop();
      await watch.close(); // its recorded messages stay readable
    }
    return { gw, watch };
  }

  /**
   * The start-up clean-up is over: the scan of retained configs ended, and either the stale configs it announced
   * are cleared, or (nothing stale) its discovery went out live.
   */
  function startUpDone(gw: GatewayHarness, watch: MqttWatch, enabled: boolean): boolean {
    const scanned = gw.logLines.find((l) => l.includes('scanned retained discovery configs'));
    if (!scanned) return false;
    const clearing = gw.logLines.find((l) => l.includes('clearing discovery configs no longer produced'));
    if (clearing) {
      const { migrated, removed } = JSON.parse(clearing) as { migrated: number; removed: number };
      const emptied = new Set(watch.messages.filter((m) => m.payload === '').map((m) => m.topic));
      return emptied.size >= migrated + removed;
    }
    const live = watch.messages.some((m) => !m.retained && m.topic.startsWith('homeassistant/'));
    return enabled ? live : true;
  }

  async function wipe(): Promise<void> {
    const retained = await retainedOn(broker!.url);
    const cleaner = await MqttWatch.connect(broker!.url, []);
    for (const topic of retained.keys()) await cleaner.publish(topic, '', true);
    await cleaner.close();
  }

  it('attribute output: one plain topic per key, no JSON object, discovery without templates', async (t: TestContext) => {
    if (!broker) return t.skip();
    await wipe();
    await runOnce(
      { mqtt: { output: 'attribute' } },
      (r) =>
        r.has(`3cx2mqtt/extension/${extensions[0]}/presence`) &&
        [...r.keys()].some((k) => k.startsWith('homeassistant/')),
    );
    const retained = await retainedOn(broker.url);
    const ext = extensions[0]!;
    assert.ok(!retained.has(`3cx2mqtt/extension/${ext}`), 'no JSON object in attribute mode');
    assert.match(retained.get(`3cx2mqtt/extension/${ext}/registered`)!, /^(ON|OFF)$/);
    assert.match(retained.get(`3cx2mqtt/extension/${ext}/status`)!, /^(idle|offline)$/);
    assert.equal(retained.get(`3cx2mqtt/extension/${ext}/number`), ext);
    const group = [...retained.keys()].find((k) => /^3cx2mqtt\/ring_group\/[^/]+\/members$/.test(k))!;
    assert.match(retained.get(group)!, /^\d+ [^,]+(, \d+ [^,]+)+$/, 'members as "number name, number name"');
    assert.equal(retained.get('3cx2mqtt/pbx/trunks_total'), '1');
    const discovery = new Map([...retained].filter(([k]) => k.startsWith('homeassistant/')));
    for (const payload of discovery.values()) {
      assert.ok(!payload.includes('value_template'), 'no templates for openHAB');
    }
    const device = JSON.parse(
      retained.get(`homeassistant/device/3cx2mqtt_test_extension_${ext}/config`)!,
    ) as {
      components: Record<string, { state_topic: string; command_topic?: string }>;
    };
    assert.equal(device.components.presence!.state_topic, `3cx2mqtt/extension/${ext}/presence`);
    assert.equal(device.components.presence!.command_topic, `3cx2mqtt/extension/${ext}/presence/set`);
    const result = haValidate(t, discovery);
    if (result) assert.deepEqual(result.errors, []);
  });

  it('attribute_and_json: both forms', async (t: TestContext) => {
    if (!broker) return t.skip();
    await wipe();
    await runOnce(
      { mqtt: { output: 'attribute_and_json' } },
      (r) =>
        r.has(`3cx2mqtt/extension/${extensions[0]}`) && r.has(`3cx2mqtt/extension/${extensions[0]}/presence`),
    );
    const retained = await retainedOn(broker.url);
    const json = JSON.parse(retained.get(`3cx2mqtt/extension/${extensions[0]}`)!) as { presence: string };
    assert.equal(retained.get(`3cx2mqtt/extension/${extensions[0]}/presence`), json.presence);
  });

  it('component mode: one config per entity under the node id, valid for HA', async (t: TestContext) => {
    if (!broker) return t.skip();
    await wipe();
    await runOnce(
      { homeassistant: { mode: 'component' } },
      (r) => [...r.keys()].filter((k) => k.startsWith('homeassistant/')).length >= 8 * 4,
    );
    const discovery = new Map(
      [...(await retainedOn(broker.url))].filter(([k]) => k.startsWith('homeassistant/')),
    );
    assert.ok(discovery.has(`homeassistant/select/3cx2mqtt_test/extension_${extensions[0]}_presence/config`));
    assert.ok(discovery.has(`homeassistant/binary_sensor/3cx2mqtt_test/pbx_reachable/config`));
    assert.ok(![...discovery.keys()].some((k) => k.startsWith('homeassistant/device/')));
    const reachable = JSON.parse(
      discovery.get('homeassistant/binary_sensor/3cx2mqtt_test/pbx_reachable/config')!,
    ) as { availability: { topic: string }[] };
    assert.deepEqual(
      reachable.availability.map((a) => a.topic),
      ['3cx2mqtt/bridge/state'],
      'PBX reachable follows the bridge only',
    );
    const result = haValidate(t, discovery);
    if (result) {
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.warnings, []);
    }
  });

  it('switching component -> device -> component migrates cleanly, with no duplicate entities', async (t: TestContext) => {
    if (!broker) return t.skip();
    // The broker still holds the component-mode configs of the previous test.
    const { watch } = await runOnce({ homeassistant: { mode: 'device' } }, (r) =>
      [...r.keys()].some((k) => k.startsWith('homeassistant/device/')),
    );
    const componentTopic = `homeassistant/select/3cx2mqtt_test/extension_${extensions[0]}_presence/config`;
    const onOld = watch.messages.filter((m) => m.topic === componentTopic).map((m) => m.payload);
    assert.deepEqual(onOld.slice(-2), ['{"migrate_discovery":true}', ''], 'migration marker, then cleared');
    const markerAt = watch.messages.findIndex(
      (m) => m.topic === componentTopic && m.payload.includes('migrate'),
    );
    const newAt = watch.messages.findIndex(
      (m) => m.topic === `homeassistant/device/3cx2mqtt_test_extension_${extensions[0]}/config`,
    );
    const clearedAt = watch.messages.findLastIndex((m) => m.topic === componentTopic && m.payload === '');
    assert.ok(markerAt < newAt && newAt < clearedAt, 'HA order: mark, publish new, clear old');
    const retained = new Map(
      [...(await retainedOn(broker.url))].filter(([k]) => k.startsWith('homeassistant/')),
    );
    assert.ok(
      ![...retained.keys()].some((k) => !k.startsWith('homeassistant/device/')),
      'no component configs left',
    );
    const result = haValidate(t, retained);
    if (result) assert.deepEqual(result.errors, [], 'no duplicate unique ids');

    await runOnce(
      { homeassistant: { mode: 'component' } },
      (r) => r.has(componentTopic) && r.get(componentTopic) !== '',
    );
    const after = new Map(
      [...(await retainedOn(broker.url))].filter(([k]) => k.startsWith('homeassistant/')),
    );
    assert.ok(
      ![...after.keys()].some((k) => k.startsWith('homeassistant/device/')),
      'no device configs left',
    );
    const validated = haValidate(t, after);
    if (validated) assert.deepEqual(validated.errors, []);
  });

  it('clears at start the configs it owns but no longer produces, and leaves others alone', async (t: TestContext) => {
    if (!broker) return t.skip();
    await wipe();
    const seeder = await MqttWatch.connect(broker.url, []);
    const ghost = 'homeassistant/device/3cx2mqtt_test_extension_4711/config';
    const foreign = 'homeassistant/device/3cx2mqtt_other_extension_4711/config';
    const payload = (base: string, id: string) =>
      JSON.stringify({
        device: { identifiers: [id], name: 'x' },
        origin: { name: '3cx2mqtt' },
        availability: [{ topic: `${base}/bridge/state` }],
        components: { s: { platform: 'sensor', unique_id: `${id}_s`, state_topic: `${base}/x` } },
      });
    await seeder.publish(ghost, payload('3cx2mqtt', '3cx2mqtt_test_extension_4711'), true);
    await seeder.publish(foreign, payload('other', '3cx2mqtt_other_extension_4711'), true);
    await seeder.close();
    await runOnce(
      {},
      (r) =>
        [...r.keys()].some((k) => k.startsWith('homeassistant/device/3cx2mqtt_test_extension_')) &&
        r.get(ghost) === '',
    );
    const retained = await retainedOn(broker.url);
    assert.ok(!retained.has(ghost));
    assert.ok(retained.has(foreign), "another instance's config is not ours to clear");
  });

  it('entities filters publish only what is asked for', async (t: TestContext) => {
    if (!broker) return t.skip();
    await wipe();
    await runOnce(
      {
        entities: {
          extensions: [extensions[1]!, extensions[2]!],
          ring_groups: 'none',
          queues: 'all',
          trunks: 'none',
        },
      },
      (r) =>
        r.has(`3cx2mqtt/extension/${extensions[1]}`) &&
        [...r.keys()].some((k) => k.startsWith('homeassistant/')),
    );
    const retained = await retainedOn(broker.url);
    const entityTopics = [...retained.keys()].filter((k) =>
      /^3cx2mqtt\/(extension|ring_group|queue|trunk)\/[^/]+$/.test(k),
    );
    assert.deepEqual(
      entityTopics.filter((k) => !k.startsWith('3cx2mqtt/queue/')).sort(),
      [`3cx2mqtt/extension/${extensions[1]}`, `3cx2mqtt/extension/${extensions[2]}`].sort(),
    );
    assert.equal(entityTopics.filter((k) => k.startsWith('3cx2mqtt/queue/')).length, 1);
  });

  it('homeassistant.enabled false publishes no discovery and clears its old configs', async (t: TestContext) => {
    if (!broker) return t.skip();
    await runOnce({}, (r) => [...r.keys()].some((k) => k.startsWith('homeassistant/device/')));
    await runOnce({ homeassistant: { enabled: false } }, (r) => r.has(`3cx2mqtt/extension/${extensions[0]}`));
    const retained = await retainedOn(broker.url);
    assert.deepEqual(
      [...retained.keys()].filter((k) => k.startsWith('homeassistant/')),
      [],
    );
  });
});
