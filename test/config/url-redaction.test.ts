// Passwords inside URLs (issue 16 #4): check-config, configuration errors and the running gateway print every URL
// without its password, as a user sees it on the terminal, in the log and on the broker.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CliProcess, writeConfig } from '../helpers/cli.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const MQTT_PASSWORD = 'mqtt-url-PASSWORD-5e1f';
const PBX_PASSWORD = 'pbx-url-PASSWORD-77aa';
const CREDENTIALS = { client_id: 'gateway', client_secret: 'client-secret-0b3c' };

async function finished(p: CliProcess): Promise<number | null> {
  return (await p.exited).code;
}

describe('URLs with a password in them', () => {
  let broker: Mosquitto | undefined;
  let sim: SimHarness;
  const processes: CliProcess[] = [];
  const start = (args: string[]) => {
    const p = CliProcess.start(args);
    processes.push(p);
    return p;
  };

  before(async (t) => {
    broker = await Mosquitto.start(t as never, { users: { gw: MQTT_PASSWORD } });
    sim = await SimHarness.start({
      extensions: 2,
      credentials: { clientId: CREDENTIALS.client_id, clientSecret: CREDENTIALS.client_secret },
    });
  });
  after(async () => {
    for (const p of processes) p.kill();
    await sim?.stop();
    await broker?.stop();
  });

  it('check-config shows the URLs with the password redacted, in the YAML and in the result lines', async () => {
    const path = writeConfig({
      pbx: { url: `https://admin:${PBX_PASSWORD}@127.0.0.1:1`, ...CREDENTIALS },
      mqtt: { url: `mqtt://gw:${MQTT_PASSWORD}@127.0.0.1:1` },
    });
    const check = start(['check-config', '--config', path]);
    assert.equal(await finished(check), 1, check.stderr);
    const output = check.stdout + check.stderr;
    for (const secret of [MQTT_PASSWORD, PBX_PASSWORD, CREDENTIALS.client_secret])
      assert.ok(!output.includes(secret), `a password in the output:\n${output}`);
    assert.match(check.stdout, /url: mqtt:\/\/gw:\*\*\*redacted\*\*\*@127\.0\.0\.1:1/);
    assert.match(check.stdout, /url: https:\/\/admin:\*\*\*redacted\*\*\*@127\.0\.0\.1:1/);
    assert.match(check.stderr, /MQTT mqtt:\/\/gw:\*\*\*redacted\*\*\*@127\.0\.0\.1:1\/?: FAILED/);
    assert.match(check.stderr, /PBX https:\/\/admin:\*\*\*redacted\*\*\*@127\.0\.0\.1:1\/?: FAILED/);
  });

  it('a configuration error about such a URL names the key, not the password', async () => {
    const path = writeConfig({
      pbx: { url: `ftp://admin:${PBX_PASSWORD}@127.0.0.1:1`, ...CREDENTIALS },
      mqtt: { url: `http://gw:${MQTT_PASSWORD}@127.0.0.1:1` },
    });
    const check = start(['check-config', '--config', path]);
    assert.equal(await finished(check), 2, check.stderr);
    assert.match(check.stderr, /mqtt\.url: got "http:\/\/gw:\*\*\*redacted\*\*\*@127\.0\.0\.1:1/);
    assert.match(check.stderr, /pbx\.url: got "ftp:\/\/admin:\*\*\*redacted\*\*\*@/);
    for (const secret of [MQTT_PASSWORD, PBX_PASSWORD])
      assert.ok(!check.stderr.includes(secret), check.stderr);
  });

  it('run logs the broker URL without the password and publishes none', async (t: TestContext) => {
    if (!broker) return t.skip();
    const watch = await MqttWatch.connect(broker.url, ['#'], { username: 'gw', password: MQTT_PASSWORD });
    const path = writeConfig({
      pbx: { url: sim.url, id: 'redact', verify_tls: false, ...CREDENTIALS },
      polling: { calls: '500ms', presence: '5s', trunks: '5s' },
      mqtt: { url: `mqtt://gw:${MQTT_PASSWORD}@127.0.0.1:${broker.port}` },
      log: { level: 'debug' },
    });
    const gateway = start(['run', '--config', path]);
    await gateway.waitForOutput(/"msg":"MQTT connected"/, 20_000);
    await watch.waitFor('discovery', () => watch.values('homeassistant/').size > 0, 15_000);
    gateway.kill('SIGTERM');
    assert.equal(await finished(gateway), 0, gateway.stderr);
    await watch.close();
    const logs = gateway.stdout + gateway.stderr;
    assert.ok(!logs.includes(MQTT_PASSWORD), 'the password in the log');
    assert.match(logs, /mqtt:\/\/gw:\*\*\*redacted\*\*\*@127\.0\.0\.1/);
    assert.ok(!watch.messages.some((m) => m.payload.includes(MQTT_PASSWORD)), 'the password on MQTT');
  });
});
