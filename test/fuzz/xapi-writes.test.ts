// Fuzz (issue 15): the answers of the xAPI writes the gateway reads (Users/Pbx.MakeCall for dial/set), whose fields
// go into bridge/response. A broken answer after the PBX placed the call must not fail the command, and what is
// echoed has the types the command's answer promises: status a short string or null, pbx_call_id a whole number
// or null.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendCommand } from '../helpers/commands.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

/** Why a dial/set result is not what it promises, or undefined. */
function unsoundResult(result: Record<string, unknown> | undefined): string | undefined {
  if (!result) return 'no result';
  const { status, pbx_call_id: callId } = result;
  if (status !== null && !(typeof status === 'string' && status.length <= 100))
    return `status ${JSON.stringify(status)?.slice(0, 80)}`;
  if (callId !== null && !Number.isSafeInteger(callId))
    return `pbx_call_id ${JSON.stringify(callId)?.slice(0, 80)}`;
  return undefined;
}

describe('fuzz: answers of the xAPI writes', () => {
  let broker: TestBroker;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let watch: MqttWatch;
  let ext = '';

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 3, traffic: 'none' });
    ext = (await sim.registeredExtensions())[0]!;
    watch = await MqttWatch.connect(broker.url, ['3cx2mqtt/bridge/response', `3cx2mqtt/extension/${ext}`]);
    gw = startGateway(
      gatewayConfig(sim, broker.url, { commands: { allowed_numbers: ['.*'], rate_limit_per_minute: 600 } }),
    );
    await watch.waitFor('the extension', () => watch.latest().has(`3cx2mqtt/extension/${ext}`), 15_000);
  });
  after(async () => {
    await sim?.script('DELETE', 'fault');
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('dial/set with a MakeCall answer of the wrong types or 20 MB: ok, and a result of the promised types', async () => {
    for (const mode of ['wrong-types', 'huge'] as const) {
      await sim.script('POST', 'fault', { mode, path: 'Pbx\\.MakeCall', count: 1 });
      const answer = await sendCommand(watch, `extension/${ext}/dial/set`, '200', { timeoutMs: 20_000 });
      assert.equal(answer.ok, true, `${mode}: ${answer.error}`);
      assert.equal(
        unsoundResult(answer.result),
        undefined,
        `${mode}: ${JSON.stringify(answer.result)?.slice(0, 300)}`,
      );
    }
  });
});
