// Unbounded input from the PBX (issue 16 #9): far more active calls than any PBX has, and a page that ignores $top,
// are capped and logged once; the gateway keeps running and publishes a bounded calls/active.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const CAP = 2000;

describe('caps on what the PBX sends', () => {
  let broker: Mosquitto | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let watch: MqttWatch;

  before(async (t) => {
    broker = await Mosquitto.start(t as never);
    sim = await SimHarness.start({ extensions: 6000, trunks: 4, traffic: 'none' });
    if (!broker) return;
    watch = await MqttWatch.connect(broker.url, ['3cx2mqtt/pbx', '3cx2mqtt/calls/active']);
    gw = startGateway(
      gatewayConfig(sim, broker.url, { polling: { calls: '1s', presence: '30s', trunks: '30s' } }),
    );
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('tracks and publishes at most 2,000 calls of 2,600, and says so once', async (t: TestContext) => {
    if (!broker) return t.skip();
    await watch.waitFor(
      'call fields',
      () => watch.latest().get('3cx2mqtt/pbx')?.includes('"call_state"'),
      30_000,
    );
    await sim.script('POST', 'calls/bulk', { count: 2600, state: 'talking' });
    const active = await watch.waitFor(
      'calls/active with the capped calls',
      () => {
        const list = JSON.parse(watch.latest().get('3cx2mqtt/calls/active') ?? '[]') as unknown[];
        return list.length >= CAP ? list : undefined;
      },
      120_000,
    );
    assert.equal(active.length, CAP);
    assert.ok(Buffer.byteLength(watch.latest().get('3cx2mqtt/calls/active')!) < 2_000_000);
    const pbx = JSON.parse(watch.latest().get('3cx2mqtt/pbx')!) as { active_calls: number };
    assert.equal(pbx.active_calls, CAP);
    await new Promise((r) => setTimeout(r, 3000)); // a few more polls
    assert.equal(gw.logLines.filter((l) => l.includes('tracking the first')).length, 1, 'logged once');
    await sim.script('DELETE', 'calls/bulk');
  });

  it('pages that ignore $top (20 MB of rows each) neither crash nor exhaust the gateway', async (t: TestContext) => {
    if (!broker) return t.skip();
    await sim.script('POST', 'fault', { mode: 'huge', path: 'ActiveCalls', count: 3 });
    const faulted = async () =>
      (await sim.script<{ fault: unknown }>('GET', 'state')).fault !== null &&
      (await sim.script<{ fault: unknown }>('GET', 'state')).fault !== undefined;
    for (let i = 0; i < 100 && (await faulted()); i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(gw.fatal, []);
    assert.ok(!gw.logLines.some((l) => l.includes('Maximum call stack')), 'no stack overflow');
    // Still polling: a new call shows.
    const to = (await sim.registeredExtensions())[0]!;
    const call = await sim.script<{ id: number }>('POST', 'calls', {
      from: '+4930123123',
      to,
      trunk: '10001',
    });
    await sim.script('POST', `calls/${call.id}/ring`);
    await watch.waitFor(
      'the new call',
      () => watch.latest().get('3cx2mqtt/calls/active')?.includes('+4930123123'),
      45_000,
    );
  });
});
