// Alarm calls and make_call end to end: the gateway's own baresip calls a second baresip (the callee, driven over
// its ctrl_tcp) on 127.0.0.1; commands and results over a real mosquitto.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { pcmWav } from '../../src/audio/wav.ts';
import { createLogger } from '../../src/log.ts';
import { BaresipCtrl, type BaresipEvent } from '../../src/sip/ctrl-client.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { freePort, rtpRange, startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { componentPath, skipWithout } from '../helpers/components.ts';
import { sharedPath, withoutShared } from '../helpers/shared.ts';
import { haValidate } from '../helpers/ha-validate.ts';
import { sleep, waitUntil } from '../helpers/wait.ts';
import { CliProcess, writeConfig } from '../helpers/cli.ts';

/** The `sip:` section for a gateway whose baresip calls `account.domain` on loopback (ports free, RTP range given). */
async function sipSection(
  rtpPorts: string,
  account: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    enabled: true,
    baresip: {
      ctrl_tcp: `127.0.0.1:${await freePort()}`,
      sip_listen: `127.0.0.1:${await freePort()}`,
      net_interface: '127.0.0.1',
      rtp_ports: rtpPorts,
    },
    account: { user: 'alarm', register: false, ...account },
    alert_numbers: ['200'],
    ring_timeout: '5s',
    confirm_timeout: '8s',
    rounds: 1,
    audio: { towing: 'sounds/towing.wav', unplug: 'sounds/unplug.wav', generic: 'sounds/generic.wav' },
    ...extra,
  };
}

type Behaviour = 'confirm' | 'press5' | 'reject' | 'ring';

/** The callee: a second baresip whose answers and keys the test decides, call by call. */
class Callee {
  readonly incoming: number[] = [];
  behaviours: Behaviour[] = [];
  private constructor(
    readonly child: ChildProcess,
    readonly ctrl: BaresipCtrl,
    readonly port: number,
  ) {}

  static async start(): Promise<Callee> {
    const [sip, ctrlPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-callee-'));
    writeFileSync(join(dir, 'silence.wav'), pcmWav(new Int16Array(8000 * 60), 8000));
    writeFileSync(
      join(dir, 'config'),
      [
        `sip_listen 127.0.0.1:${sip}`,
        'call_local_timeout 120',
        `audio_source aufile,${join(dir, 'silence.wav')}`,
        'ausrc_srate 8000',
        'ausrc_channels 1',
        `rtp_ports ${rtpRange(1)}`,
        'rtcp_mux no',
        'jitter_buffer_delay 0-0',
        'net_interface 127.0.0.1',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module_tmp account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        'statmode_default off',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'accounts'),
      `<sip:200@127.0.0.1:${sip}>;regint=0;answermode=manual;audio_codecs=PCMU,PCMA\n`,
    );
    const child = spawn(componentPath('baresip')!, ['-f', dir], { stdio: 'ignore' });
    const ctrl = new BaresipCtrl('127.0.0.1', ctrlPort, createLogger('silent'));
    const callee = new Callee(child, ctrl, sip);
    ctrl.on('event', (event) => callee.onEvent(event));
    ctrl.start();
    await waitUntil('the callee baresip on ctrl_tcp', () => ctrl.connected, 5000);
    return callee;
  }

  private current: Behaviour = 'ring';
  private onEvent(event: BaresipEvent): void {
    if (event.type === 'CALL_INCOMING') {
      this.incoming.push(Date.now());
      this.current = this.behaviours.shift() ?? 'ring';
      if (this.current === 'reject') void this.ctrl.command('hangup');
      else if (this.current !== 'ring') void this.ctrl.command('accept');
    }
    if (event.type === 'CALL_ESTABLISHED' && (this.current === 'confirm' || this.current === 'press5')) {
      const key = this.current === 'confirm' ? '1' : '5';
      setTimeout(() => void this.ctrl.command('sndcode', key).catch(() => undefined), 1000);
    }
  }

  async stop(): Promise<void> {
    this.ctrl.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

const SIP_TESTS = 'skipped: the SIP tests need a real baresip and SIPp';
const withoutBaresip = skipWithout(['baresip'], SIP_TESTS);
const withoutSippInfo = withoutShared('sip-lab/uas-info.xml') ?? skipWithout(['baresip', 'sipp'], SIP_TESTS);
const withoutSippPbx = withoutShared('sip-lab/uas-pbx.xml') ?? skipWithout(['baresip', 'sipp'], SIP_TESTS);

describe('alarm calls through baresip', { skip: withoutBaresip }, () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let callee: Callee;
  let gw: GatewayHarness;
  let watch: MqttWatch;
  let ok = false;

  const pbx = () => JSON.parse(watch.latest().get('3cx2mqtt/pbx') ?? '{}') as Record<string, unknown>;
  let transactions = 0;
  /** Publishes a JSON command with a fresh transaction id and waits for the answer that echoes it. */
  async function command(
    topic: string,
    body: Record<string, unknown>,
  ): Promise<{ ok: boolean; result?: Record<string, unknown>; error?: string }> {
    const transaction = `auto-${++transactions}`;
    await watch.publish(`3cx2mqtt/${topic}`, JSON.stringify({ ...body, transaction }));
    return watch.waitFor(
      `the answer to ${transaction}`,
      () => {
        const m = watch.messages.find(
          (x) =>
            x.topic === '3cx2mqtt/bridge/response' && x.payload.includes(`"transaction":"${transaction}"`),
        );
        return m ? (JSON.parse(m.payload) as { ok: boolean }) : undefined;
      },
      30_000,
    );
  }
  const alarmEvents = (since: number) =>
    watch
      .since(since)
      .filter((m) => m.topic === '3cx2mqtt/event/alarm_call')
      .map(
        (m) =>
          JSON.parse(m.payload) as { event_type: string; digit?: string; result?: string; number?: string },
      );
  const waitResult = (since: number, ms = 40_000) =>
    watch.waitFor('the alarm result', () => alarmEvents(since).find((e) => e.event_type === 'result'), ms);

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 3 });
    callee = await Callee.start();
    watch = await MqttWatch.connect(broker.url);
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        sip: await sipSection(
          rtpRange(0),
          { domain: `127.0.0.1:${callee.port}` },
          {
            ring_timeout: '3s',
            confirm_timeout: '6s',
            rounds: 2,
            alarm_deadline: '60s',
            make_call_duration: '2s',
          },
        ),
        commands: { rate_limit_per_minute: 30 },
      }),
    );
    await watch.waitFor('SIP ready', () => pbx().sip_registered === true, 20_000);
    ok = true;
  });
  after(async () => {
    await gw?.stop();
    await callee?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('a callee who answers and presses 1 (RFC 2833) confirms', async (t: TestContext) => {
    if (!ok) return t.skip('no baresip or mosquitto');
    callee.behaviours = ['confirm'];
    const start = Date.now();
    const answer = await command('pbx/alarm_call/set', { type: 'towing' });
    assert.equal(answer.ok, true, answer.error);
    const result = await waitResult(start);
    assert.equal(result.result, 'CONFIRMED');
    const events = alarmEvents(start);
    assert.deepEqual(
      events.map((e) => e.event_type).filter((e) => e !== 'ringing'),
      ['dialing', 'answered', 'digit', 'result'],
    );
    await watch.waitFor(
      'the retained result',
      () => pbx().alarm_call_result === 'CONFIRMED' && pbx().alarm_call_confirmed_by === '200',
    );
    const at = (type: string) =>
      watch
        .since(start)
        .find((m) => m.topic === '3cx2mqtt/event/alarm_call' && m.payload.includes(`"${type}"`))!.at;
    t.diagnostic(
      `dial -> answered ${at('answered') - at('dialing')} ms; digit -> result ${at('result') - at('digit')} ms`,
    );
  });

  it('a "5" then a hang-up moves on; the next number confirms', async (t: TestContext) => {
    if (!ok) return t.skip();
    callee.behaviours = ['press5', 'confirm'];
    const start = Date.now();
    assert.equal(
      (await command('pbx/alarm_call/set', { type: 'generic', numbers: ['200', '200'] })).ok,
      true,
    );
    const result = await waitResult(start);
    assert.equal(result.result, 'CONFIRMED');
    const digits = alarmEvents(start)
      .filter((e) => e.event_type === 'digit')
      .map((e) => e.digit);
    assert.deepEqual(digits, ['5', '1']);
    assert.ok(alarmEvents(start).some((e) => e.event_type === 'next'));
  });

  it('nobody answers across 2 rounds: NO_ANSWER after ring_timeout × numbers × rounds; a second alarm meanwhile is refused', async (t: TestContext) => {
    if (!ok) return t.skip();
    callee.behaviours = ['ring', 'ring'];
    const start = Date.now();
    assert.equal((await command('pbx/alarm_call/set', { type: 'unplug' })).ok, true);
    const second = await command('pbx/alarm_call/set', { type: 'towing' });
    assert.deepEqual([second.ok, second.error], [false, 'an alarm call is already running']);
    const result = await waitResult(start);
    assert.equal(result.result, 'NO_ANSWER');
    const took = Date.now() - start;
    assert.ok(took >= 3000 * 1 * 2 && took < 3000 * 2 + 4000, `took ${took} ms for 2 × 3 s`);
  });

  it('a callee that rejects every time: NO_ANSWER', async (t: TestContext) => {
    if (!ok) return t.skip();
    callee.behaviours = ['reject', 'reject'];
    const start = Date.now();
    await command('pbx/alarm_call/set', { type: 'generic' });
    assert.equal((await waitResult(start)).result, 'NO_ANSWER');
    assert.equal(pbx().alarm_call_result, 'NO_ANSWER');
  });

  it('a disallowed number is refused and nothing is dialled', async (t: TestContext) => {
    if (!ok) return t.skip();
    const before = callee.incoming.length;
    const refused = await command('pbx/alarm_call/set', { type: 'towing', numbers: ['+4917612345678'] });
    assert.equal(refused.ok, false);
    assert.match(refused.error!, /not allowed/);
    await sleep(500); // nothing may ring meanwhile
    assert.equal(callee.incoming.length, before);
  });

  it('make_call rings for its duration and hangs up: RANG', async (t: TestContext) => {
    if (!ok) return t.skip();
    callee.behaviours = ['ring'];
    const start = Date.now();
    const answer = await command('pbx/make_call/set', { number: '200', duration: 2 });
    assert.equal(answer.ok, true, answer.error);
    assert.equal(answer.result!.result, 'RANG');
    assert.ok(Date.now() - start >= 2000);
  });

  it('baresip killed while idle is restarted, and the next alarm works', async (t: TestContext) => {
    if (!ok) return t.skip();
    const pid = gw.gateway.sip!.baresipPid!;
    process.kill(pid, 'SIGKILL');
    await watch.waitFor(
      'a new baresip',
      () => gw.gateway.sip!.baresipPid !== pid && pbx().sip_registered === true,
      20_000,
    );
    callee.behaviours = ['confirm'];
    const start = Date.now();
    await command('pbx/alarm_call/set', { type: 'generic' });
    assert.equal((await waitResult(start)).result, 'CONFIRMED');
  });

  it('nothing answering at all (no 18x before the ring timeout): FAILED', async (t: TestContext) => {
    if (!ok) return t.skip();
    await callee.stop();
    const start = Date.now();
    await command('pbx/alarm_call/set', { type: 'generic' });
    assert.equal((await waitResult(start)).result, 'FAILED');
  });
});

describe('alarm calls confirmed by SIP INFO (SIPp)', { skip: withoutSippInfo }, () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness | undefined;
  let watch: MqttWatch;
  let sipp: ChildProcess | undefined;
  let ready = false;

  before(async () => {
    const scenario = sharedPath('sip-lab/uas-info.xml')!;
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 3 });
    const port = await freePort();
    sipp = spawn(
      componentPath('sipp')!,
      [
        '-sf',
        scenario,
        '-i',
        '127.0.0.1',
        '-p',
        String(port),
        '-mi',
        '127.0.0.1',
        '-mp',
        String(await freePort()),
        '-m',
        '1',
        '-timeout',
        '60s',
        '-nostdin',
        '-deadcall_wait',
        '1',
      ],
      { stdio: 'ignore' },
    );
    watch = await MqttWatch.connect(broker.url);
    // A retained alarm command waiting on the broker must not run when the gateway connects.
    await watch.publish('info/pbx/alarm_call/set', 'towing', true);
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        mqtt: { base_topic: 'info' },
        sip: await sipSection(rtpRange(2), { domain: `127.0.0.1:${port}` }),
      }),
    );
    await watch.waitFor(
      'SIP ready',
      () =>
        (JSON.parse(watch.latest().get('info/pbx') ?? '{}') as { sip_registered?: boolean })
          .sip_registered === true,
      20_000,
    );
    ready = true;
  });
  after(async () => {
    sipp?.kill('SIGKILL');
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('ignores the retained command, then confirms by SIP INFO "1"', async (t: TestContext) => {
    if (!ready) return t.skip('no sipp, baresip or mosquitto');
    // Over MQTT 5 the broker does not deliver the stored retained command at all (retain handling 2).
    await sleep(500);
    assert.ok(
      !watch.messages.some((m) => m.topic === 'info/event/alarm_call' || m.topic === 'info/bridge/response'),
      'the retained command did not run',
    );
    await watch.publish('info/pbx/alarm_call/set', '', true);
    const start = Date.now();
    await watch.publish('info/pbx/alarm_call/set', 'towing');
    const result = await watch.waitFor(
      'the result',
      () =>
        watch.since(start).find((m) => m.topic === 'info/event/alarm_call' && m.payload.includes('"result"')),
      30_000,
    );
    assert.match(result.payload, /"result":"CONFIRMED"/);
    const digit = watch
      .since(start)
      .find((m) => m.topic === 'info/event/alarm_call' && m.payload.includes('"digit"'));
    assert.match(digit!.payload, /"digit":"1"/);
  });

  it('publishes valid discovery for the SIP entities (buttons, result, event, registration)', (t: TestContext) => {
    if (!ready) return t.skip();
    const discovery = watch.values('homeassistant/device/3cx2mqtt_test_pbx/config');
    const config = JSON.parse([...discovery.values()][0]!) as {
      components: Record<string, { platform: string; payload_press?: string }>;
    };
    assert.deepEqual(
      ['alarm_towing', 'alarm_unplug', 'alarm_generic'].map((k) => [
        config.components[k]!.platform,
        config.components[k]!.payload_press,
      ]),
      [
        ['button', 'towing'],
        ['button', 'unplug'],
        ['button', 'generic'],
      ],
    );
    assert.equal(config.components.alarm_call!.platform, 'event');
    assert.equal(config.components.sip_registered!.platform, 'binary_sensor');
    const result = haValidate(t, watch.values('homeassistant/'));
    if (result) assert.deepEqual(result.errors, []);
  });
});

it('a missing alarm prompt is a configuration error naming the key (exit 2)', async () => {
  const config = writeConfig({
    pbx: { url: 'https://127.0.0.1:1', client_id: 'a', client_secret: 'b' },
    sip: {
      enabled: true,
      account: { user: 'alarm', domain: 'pbx.local' },
      audio: { towing: '/nonexistent/towing.wav' },
    },
  });
  const run = CliProcess.start(['run', '--config', config]);
  const { code } = await run.exited;
  assert.equal(code, 2);
  assert.match(run.stderr, /sip\.audio\.towing: cannot read \/nonexistent\/towing\.wav \(ENOENT\)/);
});

describe('SIP registration at a PBX with digest auth (SIPp)', { skip: withoutSippPbx }, () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  const gateways: GatewayHarness[] = [];
  const sipps: ChildProcess[] = [];
  let scenario: string | undefined;
  let watch: MqttWatch;

  before(async () => {
    scenario = sharedPath('sip-lab/uas-pbx.xml');
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 3 });
    watch = await MqttWatch.connect(broker.url);
  });
  after(async () => {
    for (const p of sipps) p.kill('SIGKILL');
    for (const g of gateways) await g.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  async function gatewayAtPbx(base: string, password: string): Promise<void> {
    const port = await freePort();
    sipps.push(
      spawn(
        componentPath('sipp')!,
        [
          '-sf',
          scenario!,
          '-i',
          '127.0.0.1',
          '-p',
          String(port),
          '-mi',
          '127.0.0.1',
          '-mp',
          String(await freePort()),
          '-m',
          '20',
          '-timeout',
          '60s',
          '-nostdin',
          '-deadcall_wait',
          '1',
        ],
        { stdio: 'ignore' },
      ),
    );
    gateways.push(
      startGateway(
        gatewayConfig(sim, broker!.url, {
          pbx: { id: base },
          mqtt: { base_topic: base },
          sip: await sipSection(
            rtpRange(3),
            { password, domain: `127.0.0.1:${port}`, register: true },
            { alert_numbers: ['1000'] },
          ),
        }),
      ),
    );
  }
  const pbx = (base: string) =>
    JSON.parse(watch.latest().get(`${base}/pbx`) ?? '{}') as {
      sip_registered?: boolean;
      alarm_call_result?: string;
    };

  it('registers with the right password', async (t: TestContext) => {
    if (!scenario || !broker) return t.skip('no sipp, baresip or mosquitto');
    await gatewayAtPbx('regok', 'secret');
    await watch.waitFor('registered', () => pbx('regok').sip_registered === true, 20_000);
  });

  it('a refused registration (403) makes the alarm FAILED, and the secret stays out of MQTT', async (t: TestContext) => {
    if (!scenario || !broker) return t.skip('no sipp, baresip or mosquitto');
    await gatewayAtPbx('regbad', 'wrong-password-4711');
    await watch.waitFor('not registered', () => pbx('regbad').sip_registered === false, 20_000);
    const start = Date.now();
    await watch.publish('regbad/pbx/alarm_call/set', 'towing');
    const result = await watch.waitFor(
      'the result',
      () =>
        watch
          .since(start)
          .find((m) => m.topic === 'regbad/event/alarm_call' && m.payload.includes('"result"')),
      20_000,
    );
    assert.match(result.payload, /"result":"FAILED"/);
    assert.ok(!watch.messages.some((m) => m.payload.includes('wrong-password-4711')));
  });
});
