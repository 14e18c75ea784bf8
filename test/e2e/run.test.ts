// `3cx2mqtt run` as shipped: the built CLI, `3cx2mqtt simulate` and a broker, each its own process, default polling;
// one test per surface a user sees (broker, HTTP, webhook, commands, missed callers, SIGTERM). Needs `npm run build`.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { CallRecord } from '../../src/domain/call.ts';
import { GatewayStack } from '../helpers/cli.ts';
import { haValidate } from '../helpers/ha-validate.ts';
import { retainedOn } from '../helpers/mqtt-watch.ts';
import { call } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';

const HOOK_TOKEN = 'e2e-hook-7f3a';
const EXTENSIONS = 20; // `simulate`'s default

describe('3cx2mqtt run, end to end', () => {
  let stack: GatewayStack;

  before(async () => {
    stack = await GatewayStack.start({ config: { web: { webhook_token: HOOK_TOKEN } } });
    await stack.watch.waitFor(
      'the gateway online with every extension',
      () =>
        stack.latest('bridge/state') === 'online' &&
        stack.watch.values('3cx2mqtt/extension/').size === EXTENSIONS,
      30_000,
    );
  });
  after(async () => {
    await stack?.stop();
  });

  it('publishes retained state and valid Home Assistant discovery on the broker', async (t: TestContext) => {
    const pbxState = await stack.sim.script<{ ring_groups: string[]; queues: string[]; trunks: unknown[] }>(
      'GET',
      'state',
    );
    // device mode: one config for the PBX and one per extension, ring group, queue and trunk
    const devices =
      1 + EXTENSIONS + pbxState.ring_groups.length + pbxState.queues.length + pbxState.trunks.length;
    // What a client subscribing now (Home Assistant after a restart, mosquitto_sub) is handed by the broker.
    const retained = await waitUntil(
      `${devices} discovery configs and the pbx, ring group, queue and trunk topics`,
      async () => {
        const now = await retainedOn(stack.broker.url);
        const topics = [...now.keys()];
        const complete = ['ring_group', 'queue', 'trunk'].every((kind) =>
          topics.some((topic) => topic.startsWith(`3cx2mqtt/${kind}/`)),
        );
        const discovered = topics.filter((topic) => topic.startsWith('homeassistant/')).length;
        return complete && discovered >= devices && now.get('3cx2mqtt/pbx/availability') === 'online'
          ? now
          : undefined;
      },
      20_000,
    );
    assert.equal(retained.get('3cx2mqtt/bridge/state'), 'online');
    assert.equal(
      (JSON.parse(retained.get('3cx2mqtt/pbx')!) as { system_status: string }).system_status,
      'ONLINE',
    );
    const extensions = [...retained].filter(([topic]) => /^3cx2mqtt\/extension\/[^/]+$/.test(topic));
    assert.equal(extensions.length, EXTENSIONS);
    const extension = JSON.parse(extensions[0]![1]) as object;
    for (const key of ['number', 'name', 'status', 'presence', 'registered'])
      assert.ok(key in extension, key);
    const discovery = new Map([...retained].filter(([topic]) => topic.startsWith('homeassistant/')));
    assert.equal(discovery.size, devices);
    const result = haValidate(t, discovery);
    if (result) assert.deepEqual(result.errors, []);
  });

  it('/healthz answers 200 and /readyz 200 with the PBX and the broker up', async () => {
    const health = await call(`${stack.web}/healthz`);
    assert.equal(health.status, 200, health.text);
    assert.equal(health.json<{ status: string }>().status, 'ok');
    const ready = await call(`${stack.web}/readyz`);
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.json(), { pbx: 'up', mqtt: 'up', calls: 'ok' });
  });

  it('serves the dashboard page and /api/state with the PBX it bridges', async () => {
    const page = await call(`${stack.web}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.text, /<title>3CX — live<\/title>/);
    assert.equal((await call(`${stack.web}/app.js`)).status, 200);
    const state = (await call(`${stack.web}/api/state`)).json<{
      pbx: { system_status: string };
      extensions: unknown[];
    }>();
    assert.equal(state.pbx.system_status, 'ONLINE');
    assert.equal(state.extensions.length, EXTENSIONS);
  });

  it('/metrics is Prometheus text with the gateway figures', async () => {
    const metrics = await call(`${stack.web}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain/);
    assert.match(metrics.text, /^tcx2mqtt_pbx_up 1$/m);
    assert.match(metrics.text, /^# TYPE tcx2mqtt_pbx_request_duration_seconds histogram$/m);
  });

  it('the CRM webhook refuses a request without the token and journals one with it', async () => {
    const journal = JSON.stringify({
      CallType: 'Missed',
      Number: '+4930111222',
      Name: 'Journal Test',
      Agent: '100',
      Duration: '00:00:00',
      CallStartTimeUTC: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    const post = (headers: Record<string, string>) =>
      call(`${stack.web}/webhook/3cx`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: journal,
      });
    assert.equal((await post({})).status, 401);
    const created = await post({ authorization: `Bearer ${HOOK_TOKEN}` });
    assert.ok(created.status === 200 || created.status === 201, `${created.status} ${created.text}`);
    assert.equal((await post({ authorization: `Bearer ${HOOK_TOKEN}` })).status, 200, 'stored once');
    const history = (await call(`${stack.web}/api/calls?limit=50`)).json<{ calls: CallRecord[] }>();
    assert.ok(history.calls.some((c) => c.caller_number === '+4930111222'));
  });

  it('answers presence/set on bridge/response and changes the presence on the PBX', async () => {
    const [extension] = await stack.sim.registeredExtensions();
    const since = Date.now();
    await stack.watch.publish(`3cx2mqtt/extension/${extension}/presence/set`, 'Away');
    const answer = await stack.watch.waitFor('the answer on bridge/response', () => {
      const m = stack.watch
        .since(since)
        .find((x) => x.topic === '3cx2mqtt/bridge/response' && x.payload.includes('"presence"'));
      return m ? (JSON.parse(m.payload) as { command: string; ok: boolean; result?: unknown }) : undefined;
    });
    assert.deepEqual(answer, { command: 'presence', ok: true, result: { extension, presence: 'Away' } });
    const users = await stack.sim.xapiJson(
      `Users?$filter=Number eq '${extension}'&$select=Number,CurrentProfileName`,
    );
    assert.equal(users.value[0]!.CurrentProfileName, 'Away', 'the PBX has the new presence');
    await stack.watch.waitFor('the retained extension state', () =>
      stack.latest(`extension/${extension}`)?.includes('"presence":"Away"'),
    );
  });

  it('a missed trunk call whose ActiveCalls row shows the DID: the missed event carries the real caller', async () => {
    const caller = '+4930777123';
    const [, extension] = await stack.sim.registeredExtensions(); // not the one whose presence changed
    type CallEvent = { event_type: string; call: CallRecord };
    const callEvents = (simId: number) =>
      stack.watch.messages
        .filter((m) => m.topic === '3cx2mqtt/event/call')
        .map((m) => ({ at: m.at, ...(JSON.parse(m.payload) as CallEvent) }))
        .filter((e) => e.call.pbx_call_ids.includes(simId));
    const c = await stack.sim.script<{ id: number }>('POST', 'calls', {
      from: caller,
      to: extension,
      trunk: '10000',
      show_did: true,
    });
    await stack.sim.script('POST', `calls/${c.id}/ring`);
    await stack.watch.waitFor('the ringing event', () =>
      callEvents(c.id).some((e) => e.event_type === 'ringing'),
    );
    const hungUpAt = Date.now();
    await stack.sim.script('POST', `calls/${c.id}/hangup`);
    // CONTRACT §3: the missed event is held until the caller is known, at most 10 s (+ one 2 s calls poll).
    const missed = await stack.watch.waitFor(
      'the missed event',
      () => callEvents(c.id).find((e) => e.event_type === 'missed'),
      15_000,
    );
    assert.equal(missed.call.caller_number, caller, 'the missed event names the caller, not the DID');
    assert.ok(missed.at - hungUpAt <= 12_000, `missed event ${missed.at - hungUpAt} ms after the hang-up`);
    const pbx = JSON.parse(stack.latest('pbx')!) as { last_missed_caller: string | null };
    assert.equal(pbx.last_missed_caller, caller);
  });

  // Last: it stops the gateway.
  it('on SIGTERM publishes bridge/state offline and exits 0 within 5 s', async () => {
    const stopAt = Date.now();
    const { code, at } = await stack.gateway.stop('SIGTERM', 10_000);
    assert.equal(code, 0, stack.gateway.stderr);
    assert.ok(at - stopAt < 5000, `exit after ${at - stopAt} ms`);
    await stack.watch.waitFor('offline', () => stack.latest('bridge/state') === 'offline', 3000);
  });
});
