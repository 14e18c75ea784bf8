// Availability means "the PBX answers" (CONTRACT §3); a failing ActiveCalls poll while the other polls succeed is
// shown as degraded calls on /readyz and in /metrics, not hidden (issue 16, "also noticed").
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { request } from 'undici';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';

const get = async (url: string) => {
  const response = await request(url);
  return { status: response.statusCode, text: await response.body.text() };
};

describe('a degraded calls poll', () => {
  let broker: TestBroker;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let base = '';

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 4 });
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        polling: { calls: '200ms', presence: '500ms', trunks: '500ms' },
        web: { listen: '127.0.0.1:0' },
      }),
    );
    base = await startWeb(gw);
    await waitUntil('ready', async () => (await get(`${base}/readyz`)).status === 200, 20_000);
  });
  after(async () => {
    await gw?.stop();
    await sim?.stop();
    await broker?.stop();
  });

  it('shows calls degraded while only ActiveCalls fails, and ok again after', async (t: TestContext) => {
    if (!broker) return t.skip();
    assert.deepEqual(JSON.parse((await get(`${base}/readyz`)).text), { pbx: 'up', mqtt: 'up', calls: 'ok' });
    await sim.script('POST', 'fault', { mode: '500', path: 'ActiveCalls' });
    try {
      const degraded = await waitUntil('calls degraded', async () => {
        const answer = await get(`${base}/readyz`);
        return answer.text.includes('degraded') ? answer : undefined;
      });
      assert.equal(degraded.status, 200, 'the PBX still answers: ready');
      assert.deepEqual(JSON.parse(degraded.text), { pbx: 'up', mqtt: 'up', calls: 'degraded' });
      assert.match((await get(`${base}/metrics`)).text, /^tcx2mqtt_calls_poll_degraded 1$/m);
    } finally {
      await sim.script('DELETE', 'fault');
    }
    await waitUntil('calls ok', async () => (await get(`${base}/readyz`)).text.includes('"calls":"ok"'));
    assert.match((await get(`${base}/metrics`)).text, /^tcx2mqtt_calls_poll_degraded 0$/m);
  });
});
