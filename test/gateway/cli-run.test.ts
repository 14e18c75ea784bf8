// `3cx2mqtt run` and `check-config` as processes: signals, exit codes, late brokers, refused logins, secrets.
// (`demo` as a process: test/e2e/demo.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CliProcess, writeConfig } from '../helpers/cli.ts';
import { freePort, startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch, retainedOn } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';

const CLIENT_SECRET = 'cs-0f9e8d7c-SECRET';
const MQTT_PASSWORD = 'mq-1a2b3c4d-SECRET';

describe('the gateway as a process', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  const processes: CliProcess[] = [];

  const config = (overrides: Record<string, Record<string, unknown>> = {}) =>
    writeConfig({
      pbx: {
        url: sim.url,
        id: 'cli',
        client_id: 'gateway',
        client_secret: CLIENT_SECRET,
        verify_tls: false,
        ...overrides.pbx,
      },
      polling: { calls: '500ms', presence: '5s', trunks: '5s' },
      mqtt: { url: broker!.url, username: 'gw', password: MQTT_PASSWORD, ...overrides.mqtt },
      log: { level: 'debug' },
    });
  const start = (args: string[]) => {
    const p = CliProcess.start(args);
    processes.push(p);
    return p;
  };

  before(async () => {
    broker = await startBroker({ users: { gw: MQTT_PASSWORD, watcher: 'watcher-pw' } });
    sim = await SimHarness.start({
      extensions: 12,
      credentials: { clientId: 'gateway', clientSecret: CLIENT_SECRET },
    });
  });
  after(async () => {
    for (const p of processes) p.kill();
    await sim?.stop();
    await broker?.stop();
  });

  it('runs, and on SIGTERM publishes offline and exits 0 within 5 s; no secret in any log line or payload', async (t: TestContext) => {
    if (!broker) return t.skip();
    const watch = await MqttWatch.connect(broker.url, ['#'], { username: 'watcher', password: 'watcher-pw' });
    const gateway = start(['run', '--config', config()]);
    await watch.waitFor(
      'the extensions',
      () => watch.values('3cx2mqtt/extension/').size === 12 && watch.values('homeassistant/').size > 12,
      20_000,
    );
    // A refused broker login and PBX outage make the gateway log errors too: none may carry a secret.
    const since = (await sim.requests()).at(-1)?.seq ?? 0;
    await sim.script('POST', 'fault', { mode: '500', count: 4 });
    await waitUntil(
      'the gateway to meet the 4 failures',
      async () => (await sim.requests(since)).filter((r) => r.fault === '500').length >= 4,
    );
    await gateway.waitForOutput(/PBX poll failed/);
    const stopAt = Date.now();
    gateway.kill('SIGTERM');
    const { code, at } = await gateway.exited;
    assert.equal(code, 0, gateway.stderr);
    assert.ok(at - stopAt < 5000, `took ${at - stopAt} ms`);
    await watch.waitFor('offline', () => watch.latest().get('3cx2mqtt/bridge/state') === 'offline', 3000);
    await watch.close();
    const logs = gateway.stdout + gateway.stderr;
    assert.match(logs, /"msg":"MQTT connected"/);
    for (const secret of [CLIENT_SECRET, MQTT_PASSWORD]) {
      assert.ok(!logs.includes(secret), 'a secret in the log');
      assert.ok(
        !watch.messages.some((m) => m.payload.includes(secret) || m.topic.includes(secret)),
        'a secret on MQTT',
      );
    }
  });

  it('waits for a broker that is not there yet, and serves as soon as it appears', async (t: TestContext) => {
    if (!broker) return t.skip();
    const port = await freePort();
    const gateway = start([
      'run',
      '--config',
      config({ mqtt: { url: `mqtt://127.0.0.1:${port}`, username: null, password: null } }),
    ]);
    // Two refused connection attempts, and it keeps trying.
    await gateway.waitForOutput(/"msg":"MQTT error"[\s\S]*"msg":"MQTT error"/);
    assert.equal(gateway.child.exitCode, null, 'still running without a broker');
    const late = await startBroker({ port });
    try {
      const retained = await waitForRetained(
        `mqtt://127.0.0.1:${port}`,
        (r) =>
          r.get('3cx2mqtt/bridge/state') === 'online' &&
          [...r.keys()].filter((k) => k.startsWith('3cx2mqtt/extension/')).length === 12,
      );
      assert.ok(retained);
    } finally {
      gateway.kill('SIGTERM');
      await gateway.exited;
      await late?.stop();
    }
  });

  it('refused credentials: a clear error naming the kind, backoff, exit 1 after max_auth_failures', async (t: TestContext) => {
    if (!broker) return t.skip();
    await sim.script('DELETE', 'requests');
    const gateway = start([
      'run',
      '--config',
      config({ pbx: { client_secret: 'WRONG-secret-xyz', max_auth_failures: 4 } }),
    ]);
    const { code, at } = await gateway.exited;
    assert.equal(code, 1);
    const logs = gateway.stdout + gateway.stderr;
    assert.match(logs, /client credentials \(client_id gateway\) was refused/);
    assert.ok(!logs.includes('WRONG-secret-xyz'));
    const tokens = (
      await sim.script<{ requests: { path: string; time: string }[] }>('GET', 'requests')
    ).requests.filter((r) => r.path === '/connect/token');
    assert.ok(tokens.length >= 4 && tokens.length <= 8, `${tokens.length} token requests: no tight loop`);
    assert.ok(at > 0);
  });

  it('check-config logs in to the PBX and connects to the broker: exit 0, or 1 naming what failed', async (t: TestContext) => {
    if (!broker) return t.skip();
    // Not spawnSync: the simulator lives in this process and must keep answering.
    const ok = start(['check-config', '--config', config()]);
    assert.equal((await ok.exited).code, 0, ok.stderr);
    assert.match(ok.stderr, /PBX https:\/\/127\.0\.0\.1:\d+: ok/);
    assert.match(ok.stderr, /MQTT mqtt:\/\/127\.0\.0\.1:\d+\/?: ok/);
    const refused = start([
      'check-config',
      '--config',
      config({ pbx: { client_secret: 'NOPE-secret' }, mqtt: { password: 'NOPE-mqtt' } }),
    ]);
    assert.equal((await refused.exited).code, 1);
    assert.match(refused.stderr, /PBX .*FAILED .*client credentials \(client_id gateway\)/);
    assert.match(refused.stderr, /MQTT .*FAILED/);
    assert.ok(!(refused.stdout + refused.stderr).includes('NOPE-'));
  });
});

async function waitForRetained(
  url: string,
  done: (retained: Map<string, string>) => boolean,
): Promise<Map<string, string>> {
  const deadline = Date.now() + 20_000;
  let retained = new Map<string, string>();
  for (let attempt = 0; attempt < 60 && Date.now() < deadline; attempt++) {
    try {
      retained = await retainedOn(url, '#', 400);
      if (done(retained)) return retained;
    } catch {
      // the broker may not be up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`retained state incomplete: ${[...retained.keys()].join(', ')}`);
}
