// `3cx2mqtt demo` as a user starts it (the built CLI, no arguments): the URLs it prints, its page, its embedded
// broker, one live call scripted through the simulator it prints, and Ctrl-C. Needs `npm run build`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallRecord } from '../../src/domain/call.ts';
import { CliProcess } from '../helpers/cli.ts';
import { MqttWatch, retainedOn } from '../helpers/mqtt-watch.ts';
import { call, SimClient } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';

const EXTENSIONS = 25; // the demo's default

describe('3cx2mqtt demo, end to end', () => {
  let demo: CliProcess;
  let dashboard = '';
  let brokerUrl = '';
  let sim: SimClient;
  let watch: MqttWatch;

  before(async () => {
    demo = CliProcess.start(['demo']);
    const [, url] = await demo.waitForOutput(/^ {2}dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/)$/m, 30_000);
    dashboard = url!;
    brokerUrl = /MQTT broker\s+(mqtt:\/\/127\.0\.0\.1:\d+)/.exec(demo.stdout)![1]!;
    const [, simUrl] = /3CX simulator\s+(https:\/\/127\.0\.0\.1:\d+)/.exec(demo.stdout)!;
    sim = new SimClient(simUrl!);
    watch = await MqttWatch.connect(brokerUrl, ['3cx2mqtt/#', 'homeassistant/#']);
  });
  after(async () => {
    await watch?.close();
    await demo?.stop('SIGINT');
  });

  it('serves the dashboard at the URL it prints', async () => {
    const page = await call(dashboard);
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>3CX — live<\/title>/);
    const state = await waitUntil('the dashboard API with every extension', async () => {
      const answer = (await call(`${dashboard}api/state`)).json<{ extensions: unknown[] }>();
      return answer.extensions.length === EXTENSIONS ? answer : undefined;
    });
    assert.equal(state.extensions.length, EXTENSIONS);
  });

  it('publishes the simulated PBX, retained, with discovery, on the broker it prints', async () => {
    await watch.waitFor(
      'every extension and discovery',
      () =>
        watch.values('3cx2mqtt/extension/').size === EXTENSIONS &&
        [...watch.values('homeassistant/').keys()].some((topic) => topic.startsWith('homeassistant/device/')),
      20_000,
    );
    // What a client that subscribes now is handed.
    const retained = await retainedOn(brokerUrl);
    assert.equal(retained.get('3cx2mqtt/bridge/state'), 'online');
    assert.equal(
      [...retained.keys()].filter((topic) => /^3cx2mqtt\/extension\/[^/]+$/.test(topic)).length,
      EXTENSIONS,
    );
    assert.ok([...retained.keys()].some((topic) => topic.startsWith('homeassistant/device/')));
    assert.equal(
      (JSON.parse(retained.get('3cx2mqtt/pbx')!) as { system_status: string }).system_status,
      'ONLINE',
    );
  });

  it('shows a call scripted through the printed simulator URL on the broker and the dashboard API', async () => {
    const caller = '+4989000777';
    const [extension] = (await sim.script<{ extensions: string[] }>('GET', 'state')).extensions;
    const c = await sim.script<{ id: number }>('POST', 'calls', {
      from: caller,
      to: extension,
      trunk: '10001',
    });
    const mine = (calls: CallRecord[]) => calls.find((x) => x.pbx_call_ids.includes(c.id));
    await sim.script('POST', `calls/${c.id}/ring`);
    await sim.script('POST', `calls/${c.id}/answer`);
    const active = await watch.waitFor('the call in calls/active', () =>
      mine(JSON.parse(watch.latest().get('3cx2mqtt/calls/active') ?? '[]') as CallRecord[]),
    );
    assert.equal(active.caller_number, caller);
    const shown = (await call(`${dashboard}api/state`)).json<{ calls: { active: CallRecord[] } }>();
    assert.equal(mine(shown.calls.active)?.caller_number, caller);
    await sim.script('POST', `calls/${c.id}/hangup`);
    const ended = await watch.waitFor('the ended event', () =>
      watch.messages
        .filter((m) => m.topic === '3cx2mqtt/event/call')
        .map((m) => JSON.parse(m.payload) as { event_type: string; call: CallRecord })
        .find((e) => e.event_type === 'ended' && e.call.pbx_call_ids.includes(c.id)),
    );
    assert.equal(ended.call.outcome, 'answered');
  });

  it('stops on Ctrl-C (SIGINT) with exit 0', async () => {
    const { code } = await demo.stop('SIGINT', 10_000);
    assert.equal(code, 0, demo.stderr);
  });
});
