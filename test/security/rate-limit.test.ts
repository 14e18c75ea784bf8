// The command rate limit under a flood: 500 call-placing commands published within about a second, over a real
// mosquitto, to a gateway with the shipped limit (commands.rate_limit_per_minute: 6). Exactly 6 reach the PBX, every
// other one is answered ok:false with the rate-limit reason, and the gateway keeps answering.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { answers, MAKE_CALLS, pbxRequests, sendCommands } from '../helpers/commands.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const FLOOD = 500;
const LIMIT = 6;

describe('the command rate limit under 500 commands a second', () => {
  let broker: TestBroker;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let watch: MqttWatch;
  let extensions: string[] = [];

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 4, traffic: 'none' });
    extensions = await sim.registeredExtensions();
    watch = await MqttWatch.connect(broker.url, ['3cx2mqtt/bridge/response', '3cx2mqtt/extension/+']);
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        commands: { rate_limit_per_minute: LIMIT, allowed_numbers: ['^2\\d\\d$'] },
      }),
    );
    await watch.waitFor(
      'the extensions',
      () => extensions.every((e) => watch.latest().has(`3cx2mqtt/extension/${e}`)),
      15_000,
    );
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it(`lets ${LIMIT} through to the PBX and refuses the other ${FLOOD - LIMIT} with the reason`, async (t: TestContext) => {
    const commands = Array.from({ length: FLOOD }, (_, i) => {
      const extension = extensions[i % extensions.length]!;
      // Plain and JSON payloads, with and without a transaction, to several extensions.
      const payload =
        i % 2 === 0
          ? `2${String(i % 100).padStart(2, '0')}`
          : JSON.stringify({ number: '201', transaction: `t${i}` });
      return [`extension/${extension}/dial/set`, payload] as const;
    });
    const before = answers(watch).length;
    // When the last command left for the broker: the rate the gateway is flooded at.
    let sent = 0;
    let lastSentAt = 0;
    const onSend = (packet: { cmd: string; topic?: string }) => {
      if (packet.cmd === 'publish' && packet.topic?.endsWith('/dial/set') && ++sent === FLOOD)
        lastSentAt = performance.now();
    };
    watch.client.on('packetsend', onSend);
    const started = performance.now();
    const got = await sendCommands(watch, commands, { timeoutMs: 30_000 }).finally(() =>
      watch.client.off('packetsend', onSend),
    );
    const elapsed = performance.now() - started;
    const publishRate = Math.round((FLOOD / (lastSentAt - started)) * 1000);
    const ok = got.filter((a) => a.ok);
    const limited = got.filter(
      (a) =>
        !a.ok && /rate limit: commands\.rate_limit_per_minute reached, retry in \d+ s/.test(a.error ?? ''),
    );
    t.diagnostic(
      `${FLOOD} dial commands published in ${Math.round(lastSentAt - started)} ms (${publishRate}/s), all answered after ${Math.round(elapsed)} ms (${Math.round((FLOOD / elapsed) * 1000)}/s): ${ok.length} ok, ${limited.length} rate-limited`,
    );
    assert.ok(publishRate >= 500, `published at ${publishRate}/s: not 500 a second`);
    assert.equal(got.length, FLOOD);
    assert.equal(ok.length, LIMIT, JSON.stringify(ok));
    assert.equal(
      limited.length,
      FLOOD - LIMIT,
      JSON.stringify(got.find((a) => !a.ok && !limited.includes(a))),
    );
    assert.ok(elapsed < 10_000, `the flood took ${elapsed} ms: not a flood`);
    // Through Call Control while it is live, else the xAPI: either way, LIMIT calls placed.
    const calls = (await pbxRequests(sim, MAKE_CALLS)).filter((r) => r.method === 'POST');
    assert.equal(calls.length, LIMIT, 'calls placed at the PBX');
    assert.equal(answers(watch).length - before, FLOOD, 'one answer each, no more');
    // Still answering, and still limited (the window is a minute).
    const [after] = await sendCommands(watch, [[`extension/${extensions[0]}/dial/set`, '200']]);
    assert.equal(after!.ok, false);
    assert.match(after!.error!, /rate limit/);
  });
});
