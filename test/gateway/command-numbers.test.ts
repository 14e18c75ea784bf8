// JSON numbers in commands (issue 16 #3): a number to dial or a call id given as a JSON number is taken only when it
// is a safe integer; anything else has lost digits in JSON and is refused with a reason, through a real broker.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { pbxRequests, sendCommand, type CommandAnswer, MAKE_CALLS } from '../helpers/commands.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const MAKE_CALL = MAKE_CALLS;
const LOST_DIGITS = /JSON number .*lose digits.*as a string/;

describe('JSON numbers in commands', () => {
  let broker: Mosquitto | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness | undefined;
  let watch: MqttWatch | undefined;
  let ext = '';
  const send = (topic: string, payload: string): Promise<CommandAnswer> =>
    sendCommand(watch!, topic, payload);

  before(async (t) => {
    broker = await Mosquitto.start(t as never);
    sim = await SimHarness.start({ extensions: 3 });
    ext = (await sim.registeredExtensions())[0]!;
    if (!broker) return;
    watch = await MqttWatch.connect(broker.url);
    // "^1" as in the report: a mangled number starting with 1 would pass it.
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        commands: { allowed_numbers: ['^[0-9]{2,6}$', '^1'], rate_limit_per_minute: 60 },
      }),
    );
    await watch.waitFor('the extension', () => watch!.latest().has(`3cx2mqtt/extension/${ext}`), 15_000);
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('dial/set refuses a JSON number beyond 2^53 and 1e21, and dials a safe one', async (t: TestContext) => {
    if (!broker) return t.skip();
    for (const literal of ['12345678901234567890', '1e21', '9007199254740993']) {
      const answer = await send(`extension/${ext}/dial/set`, `{"number":${literal}}`);
      assert.equal(answer.ok, false, `${literal} was accepted: ${JSON.stringify(answer)}`);
      assert.match(answer.error!, LOST_DIGITS);
    }
    for (const literal of ['2.5', '-201']) {
      const answer = await send(`extension/${ext}/dial/set`, `{"number":${literal}}`);
      assert.equal(answer.ok, false, `${literal} was accepted`);
    }
    assert.equal((await pbxRequests(sim, MAKE_CALL)).length, 0, 'nothing reached the PBX');
    const safe = await send(`extension/${ext}/dial/set`, '{"number":201}');
    assert.deepEqual([safe.ok, safe.result?.destination], [true, '201']);
    const digits = await send(`extension/${ext}/dial/set`, '{"number":"12345678901234567890"}');
    assert.deepEqual([digits.ok, digits.result?.destination], [true, '12345678901234567890']);
    assert.equal((await pbxRequests(sim, MAKE_CALL)).length, 2);
  });

  it('make_call/set and the alarm_call numbers list refuse unsafe numbers before anything else', async (t: TestContext) => {
    if (!broker) return t.skip();
    const make = await send('pbx/make_call/set', '{"number":12345678901234567890}');
    assert.equal(make.ok, false);
    assert.match(make.error!, LOST_DIGITS);
    const alarm = await send('pbx/alarm_call/set', '{"type":"towing","numbers":["200",1e21]}');
    assert.equal(alarm.ok, false);
    assert.match(alarm.error!, LOST_DIGITS);
    // A safe JSON number passes the parser and meets the next refusal: SIP is disabled here.
    const safe = await send('pbx/alarm_call/set', '{"type":"towing","numbers":[200]}');
    assert.equal(safe.error, 'SIP is disabled (sip.enabled: false)');
  });

  it('calls/drop/set refuses an unsafe call id instead of looking up a rounded one', async (t: TestContext) => {
    if (!broker) return t.skip();
    const answer = await send('calls/drop/set', '{"id":12345678901234567890}');
    assert.equal(answer.ok, false);
    assert.match(answer.error!, LOST_DIGITS);
    const safe = await send('calls/drop/set', '{"id":4711}');
    assert.equal(safe.error, 'no active call 4711');
  });

  it('refuses a JSON-number transaction that would be echoed with other digits', async (t: TestContext) => {
    if (!broker) return t.skip();
    const before = (await pbxRequests(sim, MAKE_CALL)).length;
    const answer = await send(
      `extension/${ext}/dial/set`,
      '{"number":"202","transaction":12345678901234567890}',
    );
    assert.equal(answer.ok, false);
    assert.match(answer.error!, /transaction/);
    assert.equal(answer.transaction, undefined, 'no mangled echo');
    assert.equal((await pbxRequests(sim, MAKE_CALL)).length, before);
  });
});
