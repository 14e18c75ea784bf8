// Fuzz (issue 15): the answers of the xAPI writes the gateway reads (Users/Pbx.MakeCall for dial/set), whose fields
// go into bridge/response. A broken answer after the PBX placed the call must not fail the command, and what is
// echoed has the types the command's answer promises: status a short string or null, pbx_call_id a whole number
// or null.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { XAPI_PARSERS } from '../../src/pbx/endpoints.ts';
import { sendCommand } from '../helpers/commands.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { mutatedJson, mutatedText } from './generators.ts';
import { fuzz } from './runner.ts';

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
      // Polled: click-to-call goes through the xAPI (through Call Control while its websocket is live).
      gatewayConfig(sim, broker.url, {
        pbx: { realtime: 'poll' },
        commands: { allowed_numbers: ['.*'], rate_limit_per_minute: 600 },
      }),
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

  it('MakeCall answers, random and mutated from the real one: a sound result, never a throw', async (t: TestContext) => {
    const placed = await sim.xapi('Users/Pbx.MakeCall', {
      method: 'POST',
      body: { dn: ext, destination: '201', contact: null, testCall: false },
    });
    assert.equal(placed.status, 200, placed.text);
    const sample = placed.json<Record<string, unknown>>();
    const toResult = (answer: ReturnType<typeof XAPI_PARSERS.MakeCall>) => ({
      status: answer.status,
      pbx_call_id: answer.callId,
    });
    assert.equal(unsoundResult(toResult(XAPI_PARSERS.MakeCall(sample))), undefined);
    assert.equal(typeof XAPI_PARSERS.MakeCall(sample).callId, 'number', 'the real answer has a call id');
    const text = JSON.stringify(sample);
    await fuzz(
      t,
      'xapi MakeCall answers',
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: mutatedJson(sample) },
          { weight: 2, arbitrary: mutatedJson(sample.Result).map((Result) => ({ ...sample, Result })) },
          { weight: 1, arbitrary: fc.jsonValue() },
          {
            weight: 1,
            arbitrary: mutatedText(text).map((answer) => {
              try {
                return JSON.parse(answer) as unknown;
              } catch {
                return undefined;
              }
            }),
          },
        ),
        (body) => {
          const found = unsoundResult(toResult(XAPI_PARSERS.MakeCall(body)));
          if (found) throw new Error(found);
        },
      ),
      {
        timeMs: 1000,
        examples: [[{ ...sample, Result: { CallId: '1001' } }], [null], [{ FinalStatus: 'x'.repeat(101) }]],
      },
    );
  });

  it('dial/set with a MakeCall answer of the wrong types or 20 MB: ok, and a result of the promised types', async () => {
    for (const mode of ['wrong-types', 'huge'] as const) {
      await sim.script('POST', 'fault', { mode, path: 'Pbx\\.MakeCall', count: 1 });
      const answer = await sendCommand(watch, `extension/${ext}/dial/set`, '200', { timeoutMs: 20_000 });
      assert.equal(answer.ok, true, `${mode}: ${answer.error}`);
      const faulted = (await sim.requests()).filter((r) => /Pbx\.MakeCall$/.test(r.path) && r.fault === mode);
      assert.equal(faulted.length, 1, `${mode}: the MakeCall answer was spoilt`);
      assert.equal(
        unsoundResult(answer.result),
        undefined,
        `${mode}: ${JSON.stringify(answer.result)?.slice(0, 300)}`,
      );
    }
  });
});
