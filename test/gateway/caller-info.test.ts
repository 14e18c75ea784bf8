// Caller names from the 3CX phonebook, VIP marking from contacts.vip, and recording links from the call log.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { CallRecord } from '../../src/domain/call.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

describe('caller information', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let watch: MqttWatch;
  let contact: { number: string; name: string };

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 5, trunks: 2 });
    const first = (await sim.xapiJson('Contacts?$top=1')).value[0]!;
    contact = {
      number: first.PhoneNumber as string,
      name: `${String(first.FirstName)} ${String(first.LastName)}`,
    };
    if (!broker) return;
    watch = await MqttWatch.connect(broker.url);
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        polling: { calls: '200ms', presence: '500ms', trunks: '500ms' },
        contacts: { vip: [contact.number.replace('+49', '0')] }, // national spelling still matches
        web: { public_url: 'https://gateway.example:8443/' },
      }),
    );
    await watch.waitFor(
      'call fields',
      () => watch.latest().get('3cx2mqtt/pbx')?.includes('call_state'),
      15_000,
    );
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('names the caller from the phonebook, marks a VIP, and links the recording through the gateway', async (t: TestContext) => {
    if (!broker) return t.skip();
    const extension = (await sim.registeredExtensions())[0]!;
    const start = Date.now();
    const c = await sim.script<{ id: number }>('POST', 'calls', {
      from: contact.number,
      to: extension,
      trunk: '10001',
      recorded: true,
    });
    await sim.script('POST', `calls/${c.id}/ring`);
    const ringing = await watch.waitFor('the ringing event', () =>
      watch
        .since(start)
        .map((m) =>
          m.topic === '3cx2mqtt/event/call'
            ? (JSON.parse(m.payload) as { event_type: string; call: CallRecord })
            : undefined,
        )
        .find((e) => e?.event_type === 'ringing'),
    );
    assert.deepEqual(
      [ringing.call.caller_number, ringing.call.caller_name, ringing.call.vip],
      [contact.number, contact.name, true],
    );
    await sim.script('POST', `calls/${c.id}/answer`);
    await watch.waitFor('the answered event', () =>
      watch
        .since(start)
        .some((m) => m.topic === '3cx2mqtt/event/call' && m.payload.includes('"event_type":"answered"')),
    );
    await sim.script('POST', `calls/${c.id}/hangup`);
    const recording = (
      await sim.xapiJson(
        `Recordings?$filter=${encodeURIComponent(`FromCallerNumber eq '${contact.number}'`)}`,
      )
    ).value[0]!;
    const done = await watch.waitFor('the recording link', () =>
      (JSON.parse(watch.latest().get('3cx2mqtt/calls/recent') ?? '[]') as CallRecord[]).find(
        (r) => r.pbx_call_ids.includes(c.id) && r.recording_url,
      ),
    );
    assert.equal(done.recording_url, `https://gateway.example:8443/api/recordings/${String(recording.Id)}`);
    assert.equal(done.vip, true);
    await watch.waitFor('pbx.recording_url', () =>
      watch
        .latest()
        .get('3cx2mqtt/pbx')
        ?.includes(`/api/recordings/${String(recording.Id)}`),
    );
  });
});
