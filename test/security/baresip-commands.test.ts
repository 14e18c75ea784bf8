// Nothing reaches baresip through numbers or names: a real baresip behind a tap on its ctrl_tcp port records every
// frame the gateway sends. Hostile make_call and alarm_call payloads (controls, bidi marks, CR/LF, SIP header and
// URI injection, shell metacharacters) are answered ok:false over a real broker and send baresip nothing; a plain
// number then goes through as exactly that number.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { baresipAccount, baresipConfig } from '../../src/sip/baresip-config.ts';
import { NetstringDecoder } from '../../src/sip/netstring.ts';
import { answers, sendCommands } from '../helpers/commands.ts';
import { componentPath, skipWithout } from '../helpers/components.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { freePort, rtpRange, startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { waitUntil } from '../helpers/wait.ts';
import { HOSTILE_CHARACTERS, INJECTIONS } from '../fuzz/generators.ts';

const skip = skipWithout(['baresip'], 'the baresip injection test needs a real baresip');

/** A TCP tap: forwards both ways between the gateway and baresip, decoding what the gateway sends. */
class CtrlTap {
  readonly frames: Record<string, unknown>[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private constructor(
    readonly port: number,
    target: number,
  ) {
    this.server = createServer((client) => {
      const upstream = connect({ port: target, host: '127.0.0.1' });
      const decoder = new NetstringDecoder();
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk))
          this.frames.push(JSON.parse(frame) as Record<string, unknown>);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  static async start(target: number): Promise<CtrlTap> {
    const tap = new CtrlTap(await freePort(), target);
    await new Promise<void>((resolve) => tap.server.listen(tap.port, '127.0.0.1', resolve));
    return tap;
  }

  commands(name: string): Record<string, unknown>[] {
    return this.frames.filter((f) => f.command === name);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('numbers and names never reach baresip', { skip }, () => {
  let broker: TestBroker;
  let sim: SimHarness;
  let baresip: ChildProcess;
  let tap: CtrlTap;
  let gw: GatewayHarness;
  let watch: MqttWatch;

  before(async () => {
    // baresip as the gateway would spawn it, but started here, so that the tap can sit on its ctrl_tcp.
    const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-baresip-tap-'));
    const ctrlPort = await freePort();
    const account = {
      user: '610',
      password: null,
      domain: `127.0.0.1:${await freePort()}`,
      transport: 'udp' as const,
      register: false,
      outboundProxy: null,
    };
    const settings = {
      ctrlTcp: `127.0.0.1:${ctrlPort}`,
      sipListen: `127.0.0.1:${await freePort()}`,
      netInterface: '127.0.0.1',
      rtpPorts: rtpRange(0),
      account,
      defaultPrompt: join(process.cwd(), 'sounds', 'generic.wav'),
    };
    writeFileSync(join(dir, 'config'), baresipConfig(settings));
    writeFileSync(join(dir, 'accounts'), baresipAccount(settings));
    baresip = spawn(componentPath('baresip')!, ['-f', dir], { stdio: 'ignore' });
    await waitUntil(
      'baresip ctrl_tcp',
      () =>
        new Promise<boolean>((resolve) => {
          const probe = connect({ port: ctrlPort, host: '127.0.0.1' });
          probe.on('connect', () => {
            probe.destroy();
            resolve(true);
          });
          probe.on('error', () => resolve(false));
        }),
      5000,
    );
    tap = await CtrlTap.start(ctrlPort);
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 2, traffic: 'none' });
    watch = await MqttWatch.connect(broker.url, ['3cx2mqtt/bridge/response', '3cx2mqtt/pbx']);
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        commands: { allowed_numbers: ['.*'], rate_limit_per_minute: 600 },
        sip: {
          enabled: true,
          baresip: { spawn: false, ctrl_tcp: `127.0.0.1:${tap.port}` },
          account: { user: '610', domain: account.domain, register: false },
          alert_numbers: ['200'],
          make_call_duration: '2s',
          audio: { towing: 'sounds/towing.wav', unplug: 'sounds/unplug.wav', generic: 'sounds/generic.wav' },
        },
      }),
    );
    await waitUntil('the gateway on ctrl_tcp', () => tap.commands('reginfo').length > 0, 10_000);
    await watch.waitFor(
      'sip_registered',
      () =>
        (JSON.parse(watch.latest().get('3cx2mqtt/pbx') ?? '{}') as { sip_registered?: unknown })
          .sip_registered === true,
      10_000,
    );
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await tap?.stop();
    baresip?.kill('SIGKILL');
    await sim?.stop();
    await broker?.stop();
  });

  it('hostile numbers and alarm types: ok:false with a reason, and not one frame to baresip', async () => {
    const pieces = [...HOSTILE_CHARACTERS, ...INJECTIONS];
    const commands: [string, string][] = [];
    for (const piece of pieces) {
      const number = `20${piece}0`;
      commands.push(
        ['pbx/make_call/set', number],
        ['pbx/make_call/set', JSON.stringify({ number, duration: 2 })],
        ['pbx/alarm_call/set', JSON.stringify({ type: 'towing', numbers: ['201', number] })],
        ['pbx/alarm_call/set', `tow${piece}ing`],
        ['pbx/alarm_call/set', JSON.stringify({ type: `generic${piece}` })],
      );
    }
    const framesBefore = tap.frames.length;
    const got = await sendCommands(watch, commands, { timeoutMs: 20_000 });
    const accepted = got.filter((a) => a.ok !== false || !a.error);
    assert.deepEqual(accepted, [], 'every hostile command refused with a reason');
    // Give a stray command time to reach the tap: the answers came first, a dial would follow them.
    await new Promise((r) => setTimeout(r, 300));
    const sent = tap.frames.slice(framesBefore).filter((f) => f.command !== 'reginfo');
    assert.deepEqual(sent, [], `${commands.length} hostile commands sent baresip frames`);
  });

  it('a plain number reaches baresip as exactly that number', async () => {
    const before = answers(watch).length;
    await watch.client.publishAsync('3cx2mqtt/pbx/make_call/set', '200', { qos: 1 });
    const dial = await waitUntil('a dial frame', () => tap.commands('dial')[0], 10_000);
    assert.equal(dial.params, '200');
    await waitUntil('the make_call answer', () => answers(watch).length > before, 15_000);
    for (const frame of tap.commands('dial')) assert.match(String(frame.params), /^\+?[0-9*#]{1,32}$/);
    for (const frame of tap.frames) {
      const params = typeof frame.params === 'string' ? frame.params : '';
      const found = HOSTILE_CHARACTERS.find((c) => params.includes(c));
      assert.equal(found, undefined, `${JSON.stringify(frame)} carries ${JSON.stringify(found)}`);
    }
  });
});
