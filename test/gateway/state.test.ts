// The gateway against the simulator and a real mosquitto: the topic tree, payloads, discovery, changes, removals.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { haValidate } from '../helpers/ha-validate.ts';
import { sleep } from '../helpers/wait.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch, retainedOn } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

describe('gateway state on a fresh broker', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let watch: MqttWatch;

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 150, ringGroups: 2, queues: 2, trunks: 2 });
    if (!broker) return;
    watch = await MqttWatch.connect(broker.url);
    gw = startGateway(gatewayConfig(sim, broker.url));
    await watch.waitFor(
      'every extension and the discovery configs',
      () => {
        const values = watch.values('3cx2mqtt/extension/');
        const discovery = watch.values('homeassistant/device/');
        return (
          values.size >= 150 &&
          discovery.size >= 1 + 150 + 2 + 2 + 2 &&
          watch.latest().get('3cx2mqtt/pbx/availability') === 'online'
        );
      },
      20_000,
    );
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('publishes bridge state, PBX availability and the pbx object', (t) => {
    if (!broker) return t.skip();
    const latest = watch.latest();
    assert.equal(latest.get('3cx2mqtt/bridge/state'), 'online');
    assert.equal(latest.get('3cx2mqtt/pbx/availability'), 'online');
    const pbx = JSON.parse(latest.get('3cx2mqtt/pbx')!) as Record<string, unknown>;
    assert.equal(pbx.system_status, 'ONLINE');
    assert.equal(pbx.version, '20.0.10.312');
    assert.equal(pbx.fqdn, 'pbx.simulator.local');
    assert.equal(pbx.trunk_status, '2/2 online');
    assert.equal(pbx.trunks_online, 2);
    assert.equal(pbx.trunks_total, 2);
    assert.equal(pbx.active_calls, 0);
  });

  it('publishes every extension (paged beyond 100) with the contract payload, and no hot-desking user', async (t) => {
    if (!broker) return t.skip();
    const state = await sim.script<{ extensions: string[] }>('GET', 'state');
    const values = watch.values('3cx2mqtt/extension/');
    assert.deepEqual(
      [...values.keys()].sort(),
      state.extensions.map((n) => `3cx2mqtt/extension/${n}`).sort(),
    );
    const users = (await sim.xapiJson("Users?$filter=not startsWith(Number,'HD')&$top=100")).value;
    for (const user of users.slice(0, 20)) {
      const payload = JSON.parse(values.get(`3cx2mqtt/extension/${String(user.Number)}`)!) as Record<
        string,
        unknown
      >;
      assert.equal(payload.number, user.Number);
      assert.equal(payload.name, user.DisplayName);
      assert.equal(payload.presence, user.CurrentProfileName);
      assert.equal(payload.registered, user.IsRegistered);
      assert.equal(payload.queue_status, user.QueueStatus);
      assert.equal(payload.status, user.IsRegistered ? 'idle' : 'offline');
    }
  });

  it('publishes ring groups, queues and trunks', async (t) => {
    if (!broker) return t.skip();
    const groups = (await sim.xapiJson('RingGroups?$expand=Members')).value;
    for (const group of groups) {
      const payload = JSON.parse(
        watch.latest().get(`3cx2mqtt/ring_group/${String(group.Number)}`)!,
      ) as Record<string, unknown>;
      const members = group.Members as { Number: string; Name: string }[];
      assert.deepEqual(payload, {
        number: group.Number,
        name: group.Name,
        strategy: group.RingStrategy,
        members: members.map((m) => ({ number: m.Number, name: m.Name })),
        member_count: members.length,
        registered: true,
      });
    }
    const queues = (await sim.xapiJson('Queues?$expand=Agents')).value;
    for (const queue of queues) {
      const payload = JSON.parse(watch.latest().get(`3cx2mqtt/queue/${String(queue.Number)}`)!) as Record<
        string,
        unknown
      >;
      assert.equal(payload.agent_count, (queue.Agents as unknown[]).length);
      assert.equal(payload.waiting_callers, 0);
      assert.equal(payload.strategy, queue.PollingStrategy);
    }
    const trunk = JSON.parse(watch.latest().get('3cx2mqtt/trunk/10000')!) as Record<string, unknown>;
    assert.equal(trunk.online, true);
    assert.equal(trunk.name, 'Telco SIP');
  });

  it('publishes discovery configs with unique ids, device identifiers, origin and availability, valid for HA', (t) => {
    if (!broker) return;
    const discovery = watch.values('homeassistant/');
    const uniqueIds = new Set<string>();
    for (const [topic, text] of discovery) {
      const config = JSON.parse(text) as {
        device: { identifiers: string[]; via_device?: string };
        origin: { name: string };
        availability: { topic: string }[];
        availability_mode: string;
        components: Record<string, { unique_id: string; platform: string }>;
      };
      assert.match(topic, /^homeassistant\/device\/3cx2mqtt_test_[a-z_]+(_[0-9A-Za-z_-]+)?\/config$/);
      assert.ok(config.device.identifiers[0]!.startsWith('3cx2mqtt_test'));
      assert.equal(config.origin.name, '3cx2mqtt');
      assert.deepEqual(
        config.availability.map((a) => a.topic),
        ['3cx2mqtt/bridge/state', '3cx2mqtt/pbx/availability'],
      );
      assert.equal(config.availability_mode, 'all');
      if (!topic.endsWith('_pbx/config')) assert.equal(config.device.via_device, '3cx2mqtt_test');
      for (const component of Object.values(config.components)) {
        assert.ok(component.unique_id.startsWith('3cx2mqtt_test_'));
        assert.ok(!uniqueIds.has(component.unique_id), `duplicate ${component.unique_id}`);
        uniqueIds.add(component.unique_id);
      }
    }
    const result = haValidate(t, discovery);
    if (!result) return;
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
  });

  it('sends a presence change within one presence interval, and nothing while nothing changes', async (t) => {
    if (!broker) return t.skip();
    const quietFrom = Date.now();
    await sleep(10_000); // on purpose: nothing may be published while nothing changes
    const noise = watch.since(quietFrom);
    assert.deepEqual(
      noise.map((m) => m.topic),
      [],
      'no message without a PBX change',
    );

    const state = await sim.script<{ extensions: string[] }>('GET', 'state');
    const number = state.extensions[3]!;
    const changedAt = Date.now();
    await sim.script('PATCH', `extensions/${number}`, { presence: 'Out of office' });
    const arrived = await watch.waitFor('the presence change', () =>
      watch
        .since(changedAt)
        .find((m) => m.topic === `3cx2mqtt/extension/${number}` && m.payload.includes('"Out of office"')),
    );
    assert.ok(arrived.at - changedAt <= 500 + 400, `took ${arrived.at - changedAt} ms`);
    assert.deepEqual(
      watch.since(changedAt).map((m) => m.topic),
      [`3cx2mqtt/extension/${number}`],
      'only the changed entity is published',
    );
  });

  it('clears the state and discovery topics of a removed entity', async (t) => {
    if (!broker) return t.skip();
    const state = await sim.script<{ extensions: string[]; queues: string[] }>('GET', 'state');
    const number = state.extensions[5]!;
    await sim.script('DELETE', `extensions/${number}`);
    await sim.script('DELETE', `queues/${state.queues[1]!}`);
    await watch.waitFor('the removal', () => watch.latest().get(`3cx2mqtt/extension/${number}`) === '');
    const retained = await retainedOn(broker.url);
    assert.ok(!retained.has(`3cx2mqtt/extension/${number}`));
    assert.ok(!retained.has(`homeassistant/device/3cx2mqtt_test_extension_${number}/config`));
    assert.ok(!retained.has(`3cx2mqtt/queue/${state.queues[1]!}`));
    assert.ok(retained.has(`3cx2mqtt/extension/${state.extensions[6]!}`));
  });
});
