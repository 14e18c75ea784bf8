// No secret anywhere a user or an attacker can read: the shipped CLI (`check-config`, `run`) as its own process,
// with a distinctive value for every secret key, in good runs and on every crash path (bad configuration, the PBX
// refusing, the broker refusing); its stdout and stderr at debug level, every MQTT message, and every HTTP answer
// are searched for each secret (as it is, and base64- or URL-encoded).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { request } from 'undici';
import { Simulator } from '../../src/sim/simulator.ts';
import { CliProcess, writeConfig } from '../helpers/cli.ts';
import { skipWithout } from '../helpers/components.ts';
import { freePort, rtpRange, startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';

const SECRETS = {
  clientSecret: 'Cs3cret-pbx-client-a17f',
  pbxPassword: 'Pw0rd-pbx-user-b28e',
  securityCode: 'Sc0de-pbx-2fa-c39d',
  mqttPassword: 'Mq77-broker-pass-d40c',
  authToken: 'Wt0ken-dashboard-e51b',
  webhookToken: 'Wh00k-token-f62a',
  sipPassword: 'S1p-account-pass-073f',
  wrongClientSecret: 'Wr0ng-client-secret-184e',
  wrongMqttPassword: 'Wr0ng-mqtt-pass-295d',
};

/** The places a secret could hide in text: as it is, base64 (an Authorization header), URL-encoded. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)])
      if (text.includes(form)) found.push(name);
  }
  return found;
}

function assertNoSecret(where: string, text: string): void {
  const found = leaks(text);
  assert.deepEqual(found, [], `${where} shows ${found.join(', ')}:\n${text.slice(0, 4000)}`);
}

/** A secret file, for the *_FILE variables. */
function secretFile(value: string): string {
  const path = join(mkdtempSync(join(tmpdir(), '3cx2mqtt-secret-')), 'secret');
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return path;
}

describe('no secret in logs, MQTT, HTTP or errors', () => {
  let broker: TestBroker;
  let sim: SimHarness;
  let userSim: Simulator;
  const processes: CliProcess[] = [];
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const p = CliProcess.start(args, env);
    processes.push(p);
    return p;
  };
  const output = (p: CliProcess) => p.stdout + p.stderr;

  /** The whole configuration with a secret at every secret key, the MQTT password from a *_FILE variable. */
  const config = (overrides: Record<string, Record<string, unknown>> = {}) => {
    const { pbx, mqtt, web, sip, ...rest } = overrides;
    return writeConfig({
      pbx: {
        url: sim.url,
        id: 'secrets',
        client_id: 'gateway',
        client_secret: SECRETS.clientSecret,
        verify_tls: false,
        max_auth_failures: 2,
        ...pbx,
      },
      polling: { calls: '500ms', presence: '5s', trunks: '5s' },
      mqtt: { url: broker.url, username: 'gw', ...mqtt },
      web: { auth_token: SECRETS.authToken, webhook_token: SECRETS.webhookToken, ...web },
      sip: {
        enabled: false,
        account: { user: '610', password: SECRETS.sipPassword, domain: '127.0.0.1' },
        ...sip,
      },
      log: { level: 'debug' },
      ...rest,
    });
  };
  let mqttPasswordEnv: Record<string, string>;

  before(async () => {
    broker = await startBroker({ users: { gw: SECRETS.mqttPassword } });
    sim = await SimHarness.start({
      extensions: 2,
      traffic: 'busy',
      credentials: { clientId: 'gateway', clientSecret: SECRETS.clientSecret },
    });
    // Not a SimHarness: it logs in as the default user, which this simulator does not have.
    userSim = new Simulator({
      port: 0,
      autoTick: false,
      extensions: 2,
      credentials: { username: '600', password: SECRETS.pbxPassword },
    });
    await userSim.start();
    mqttPasswordEnv = { TCX2MQTT_MQTT__PASSWORD_FILE: secretFile(SECRETS.mqttPassword) };
  });
  after(async () => {
    for (const p of processes) p.kill();
    await sim?.stop();
    await userSim?.stop();
    await broker?.stop();
  });

  it('check-config, all well: the configuration printed redacted, no secret', async () => {
    const check = cli(['check-config', '--config', config()], mqttPasswordEnv);
    assert.equal((await check.exited).code, 0, output(check));
    assertNoSecret('check-config', output(check));
    assert.match(check.stdout, /\*\*\*redacted\*\*\*/);
  });

  it('check-config with a user login and 2FA code: no secret', async () => {
    const path = config({
      pbx: {
        url: userSim.url,
        client_id: null,
        client_secret: null,
        username: '600',
        password: SECRETS.pbxPassword,
        security_code: SECRETS.securityCode,
      },
    });
    const check = cli(['check-config', '--config', path], mqttPasswordEnv);
    await check.exited;
    assertNoSecret('check-config (user login)', output(check));
  });

  it('check-config, the PBX and the broker refusing the credentials: exit 1, no secret', async () => {
    const path = config({ pbx: { client_secret: SECRETS.wrongClientSecret } });
    const check = cli(['check-config', '--config', path], {
      TCX2MQTT_MQTT__PASSWORD: SECRETS.wrongMqttPassword,
    });
    assert.equal((await check.exited).code, 1, output(check));
    assert.match(check.stderr, /PBX .*: FAILED/);
    assert.match(check.stderr, /MQTT .*: FAILED/);
    assertNoSecret('check-config (refused)', output(check));
  });

  it('bad configuration: exit 2 naming the key, never the secret, even where a secret has the wrong type', async () => {
    const cases: [string, Record<string, Record<string, unknown>>, Record<string, string>][] = [
      ['a bad key beside the secrets', { polling: { calls: 'fast' } }, mqttPasswordEnv],
      ['a secret as a list', { web: { auth_token: [SECRETS.authToken] } }, mqttPasswordEnv],
      ['a secret as a map', { mqtt: { password: { value: SECRETS.mqttPassword } } }, {}],
      ['a secret as a number-like key', { web: { webhook_token: { [SECRETS.webhookToken]: 1 } } }, {}],
      ['an unknown key next to a secret', { sip: { acount: { password: SECRETS.sipPassword } } }, {}],
      [
        'a secret in the environment, and a bad one',
        { polling: { calls: '0ms' } },
        { TCX2MQTT_PBX__CLIENT_SECRET: SECRETS.wrongClientSecret },
      ],
      ['a secret file that is missing', {}, { TCX2MQTT_WEB__AUTH_TOKEN_FILE: '/nonexistent/auth-token' }],
    ];
    for (const [what, overrides, env] of cases) {
      for (const command of ['check-config', 'run']) {
        const p = cli([command, '--config', config(overrides)], env);
        assert.equal((await p.exited).code, 2, `${what} (${command}): ${output(p)}`);
        assertNoSecret(`${what} (${command})`, output(p));
      }
    }
  });

  it('run, the PBX refusing: exits 1 after pbx.max_auth_failures, no secret', async () => {
    const run = cli(
      ['run', '--config', config({ pbx: { client_secret: SECRETS.wrongClientSecret } })],
      mqttPasswordEnv,
    );
    const exited = await Promise.race([run.exited, new Promise<undefined>((r) => setTimeout(r, 30_000))]);
    assert.equal(exited?.code, 1, output(run));
    assertNoSecret('run (PBX refusing)', output(run));
  });

  it('run, failing at start (database not writable, web port taken): exit 1, no secret', async (t: TestContext) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      for (const [what, overrides] of [
        ['the database in a file, not a directory', { history: { database: '/dev/null/calls.db' } }],
        ['the web port taken', { web: { listen: `127.0.0.1:${port}` } }],
      ] as const) {
        const started = Date.now();
        const run = cli(['run', '--config', config(overrides)], mqttPasswordEnv);
        const exited = await Promise.race([run.exited, new Promise<undefined>((r) => setTimeout(r, 20_000))]);
        t.diagnostic(`${what}: exit ${exited?.code} after ${Date.now() - started} ms`);
        if (!exited) run.kill();
        assert.equal(exited?.code, 1, `${what}: ${output(run)}`);
        assertNoSecret(`run (${what})`, output(run));
      }
    } finally {
      taken.close();
    }
  });

  it('run, the broker refusing: keeps trying, logs why, no secret', async () => {
    const run = cli(['run', '--config', config()], { TCX2MQTT_MQTT__PASSWORD: SECRETS.wrongMqttPassword });
    await run.waitForOutput(/MQTT.*(refused|not authorized|Bad username|error)/i, 20_000);
    assert.equal((await run.stop()).code, 0, output(run));
    assertNoSecret('run (broker refusing)', output(run));
  });

  it('run, all well (SIP with its password on, when baresip is there): logs, MQTT and HTTP hold no secret', async () => {
    const withoutBaresip = skipWithout(['baresip'], 'SIP part of the secrets test');
    const watch = await MqttWatch.connect(broker.url, ['#'], {
      username: 'gw',
      password: SECRETS.mqttPassword,
    });
    const listen = `127.0.0.1:${await freePort()}`;
    const sip = withoutBaresip
      ? {}
      : {
          enabled: true,
          baresip: {
            ctrl_tcp: `127.0.0.1:${await freePort()}`,
            sip_listen: `127.0.0.1:${await freePort()}`,
            net_interface: '127.0.0.1',
            rtp_ports: rtpRange(0),
          },
          account: {
            user: '610',
            password: SECRETS.sipPassword,
            domain: `127.0.0.1:${await freePort()}`,
            register: true,
          },
          alert_numbers: ['200'],
          make_call_duration: '2s',
        };
    const run = cli(['run', '--config', config({ web: { listen }, sip })], mqttPasswordEnv);
    try {
      await watch.waitFor(
        'the extensions and calls',
        () => watch.latest().has('3cx2mqtt/calls/active') && watch.values('homeassistant/').size > 0,
        20_000,
      );
      const base = `http://${listen}`;
      const bodies: [string, string][] = [];
      const auth = { authorization: `Bearer ${SECRETS.authToken}` };
      for (const [path, headers] of [
        ['/', auth],
        ['/app.js', auth],
        ['/api/state', auth],
        ['/api/calls', auth],
        ['/api/calls?limit=x', auth],
        ['/api/recordings/1', auth],
        ['/api/nope', auth],
        ['/api/state', {}],
        ['/healthz', {}],
        ['/readyz', {}],
        ['/metrics', {}],
        [`/?token=${SECRETS.authToken}`, {}],
        [`/webhook/3cx/lookup?number=200&token=${SECRETS.webhookToken}`, {}],
        ['/webhook/3cx/lookup?number=200&token=wrong', {}],
      ] as const) {
        const answer = await request(`${base}${path}`, { headers });
        const text = await answer.body.text();
        // The cookie set from /?token= carries the token by design: everything else may not.
        const { 'set-cookie': _cookie, ...rest } = answer.headers;
        bodies.push([`${path.split('?')[0]} ${answer.statusCode}`, `${JSON.stringify(rest)}\n${text}`]);
      }
      for (const [what, body] of bodies) assertNoSecret(`HTTP ${what}`, body);
      // Commands whose answers carry errors from the PBX side.
      const extension = [...watch.latest().keys()]
        .map((topic) => /^3cx2mqtt\/extension\/(\d+)$/.exec(topic)?.[1])
        .find(Boolean);
      const commands = [
        [`3cx2mqtt/extension/${extension}/presence/set`, 'No such profile'],
        [`3cx2mqtt/extension/${extension}/dial/set`, '200'],
        ['3cx2mqtt/calls/drop/set', '999999'],
        ['3cx2mqtt/pbx/make_call/set', '200'],
      ];
      for (const [topic, payload] of commands) await watch.client.publishAsync(topic!, payload!, { qos: 1 });
      await waitUntil(
        'an answer to each command',
        () => watch.messages.filter((m) => m.topic === '3cx2mqtt/bridge/response').length >= commands.length,
        15_000,
      ).catch((error: Error) => {
        const got = watch.messages.filter((m) => m.topic.includes('/set') || m.topic.endsWith('response'));
        throw new Error(`${error.message}: ${JSON.stringify(got)}\n${output(run).slice(-3000)}`);
      });
      const makeCall = watch.messages.find(
        (m) => m.topic === '3cx2mqtt/bridge/response' && m.payload.includes('"make_call"'),
      );
      if (!withoutBaresip)
        assert.doesNotMatch(makeCall!.payload, /SIP is disabled/, 'the call went to baresip');
    } finally {
      assert.equal((await run.stop()).code, 0, output(run));
      await watch.close();
    }
    assertNoSecret('run (log)', output(run));
    assertNoSecret('MQTT', watch.messages.map((m) => `${m.topic} ${m.payload}`).join('\n'));
  });
});
