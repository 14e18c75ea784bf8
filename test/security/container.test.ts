// The container runs as a non-root user with a read-only root filesystem possible: read from the Dockerfile and the
// compose file (docker is not on the test machines), and shown by running the shipped CLI as an unprivileged user
// that can write nothing but its data directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse } from 'yaml';
import { stringify } from 'yaml';
import { CLI, CliProcess, ROOT } from '../helpers/cli.ts';
import { brokerProtocol, freePort, startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** nobody:nogroup on Debian. */
const UNPRIVILEGED = 65534;

/** The last stage of the Dockerfile: what the image runs. */
function finalStage(dockerfile: string): string {
  return dockerfile.split(/^FROM /m).at(-1)!;
}

interface Service {
  read_only?: boolean;
  tmpfs?: string[] | string;
  cap_drop?: string[];
  security_opt?: string[];
  user?: string;
  volumes?: string[];
  build?: string;
}

describe('the container image', () => {
  it('runs as a numeric non-root user (Kubernetes runAsNonRoot can check only a number)', () => {
    const stage = finalStage(read('Dockerfile'));
    const users = [...stage.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]!);
    assert.equal(users.length, 1, 'one USER in the final stage');
    const [uid, gid] = users[0]!.split(':');
    assert.match(uid!, /^\d+$/, `USER ${users[0]} is not numeric`);
    assert.notEqual(Number(uid), 0, 'USER is root');
    assert.match(stage, new RegExp(`useradd [^\\n]*--uid ${uid}\\b`), 'the user is created with that uid');
    if (gid !== undefined) assert.notEqual(Number(gid), 0, 'group root');
    assert.doesNotMatch(stage, /^USER (root|0)\b/m);
  });

  it('writes only below its VOLUME: every path the image configures is in /data', () => {
    const stage = finalStage(read('Dockerfile'));
    const volumes = [...(/^VOLUME \[(.*)\]$/m.exec(stage)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    assert.deepEqual(volumes, ['/data']);
    const env = /^ENV ([\s\S]*?)\n(?!\s)/m.exec(stage)![1]!;
    const paths = [...env.matchAll(/TCX2MQTT_[A-Z_]+=(\/\S+)/g)].map((m) => m[1]!);
    assert.ok(paths.length >= 2, `paths in ENV: ${paths.join(', ')}`);
    for (const path of paths) assert.ok(path.startsWith('/data/'), `${path} is outside the volume`);
    assert.match(stage, /chown (\d+|tcx2mqtt)\S* \/data/, '/data belongs to the user');
    // SIP's working files (baresip's config and the looped prompts) go next to the database: in /data too.
    assert.match(
      read('src/app.ts'),
      /workDir: join\(dirname\(resolve\(config\.history\.database\)\), 'baresip'\)/,
    );
  });

  it('compose runs it with a read-only root filesystem, no capabilities, no privilege gain', () => {
    const compose = parse(read('docker/compose.yaml')) as { services: Record<string, Service> };
    for (const name of ['3cx2mqtt', 'demo']) {
      const service = compose.services[name]!;
      assert.equal(service.read_only, true, `${name}: read_only`);
      const tmpfs = ([] as string[]).concat(service.tmpfs ?? []);
      assert.ok(
        tmpfs.some((t) => t.split(':')[0] === '/tmp'),
        `${name}: a tmpfs at /tmp (the demo's certificate)`,
      );
      assert.deepEqual(service.cap_drop, ['ALL'], `${name}: cap_drop`);
      assert.ok(service.security_opt?.includes('no-new-privileges:true'), `${name}: no-new-privileges`);
      assert.equal(service.user, undefined, `${name}: the image's own user`);
    }
    assert.ok(
      compose.services['3cx2mqtt']!.volumes!.some((v) => v.endsWith(':/data')),
      'a volume at /data',
    );
  });
});

describe('the gateway as an unprivileged user', () => {
  let broker: TestBroker;
  let sim: SimHarness;
  let watch: MqttWatch;

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 2, traffic: 'none' });
    watch = await MqttWatch.connect(broker.url, ['3cx2mqtt/#']);
  });
  after(async () => {
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('runs with nothing writable but its data directory', async (t: TestContext) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to start a process as another user');
    // A read-only configuration directory, a data directory the user owns, and a TMPDIR and HOME it cannot write.
    const top = mkdtempSync(join(tmpdir(), '3cx2mqtt-unprivileged-'));
    chmodSync(top, 0o755);
    const data = join(top, 'data');
    const readOnly = join(top, 'readonly');
    mkdirSync(data);
    mkdirSync(readOnly);
    chownSync(data, UNPRIVILEGED, UNPRIVILEGED);
    const listen = `127.0.0.1:${await freePort()}`;
    const configFile = join(readOnly, 'config.yaml');
    writeFileSync(
      configFile,
      stringify({
        pbx: { url: sim.url, client_id: 'simulator', client_secret: 'simulator-secret', verify_tls: false },
        polling: { calls: '500ms', presence: '5s', trunks: '5s' },
        mqtt: { url: broker.url, protocol_version: brokerProtocol(broker.url) },
        history: { database: join(data, '3cx2mqtt.db') },
        web: { listen },
      }),
    );
    const gateway = new CliProcess(
      spawn(process.execPath, [CLI, 'run', '--config', configFile], {
        cwd: readOnly,
        uid: UNPRIVILEGED,
        gid: UNPRIVILEGED,
        env: { PATH: process.env.PATH, HOME: readOnly, TMPDIR: readOnly },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      await watch.waitFor(
        'the gateway online',
        () => watch.latest().get('3cx2mqtt/bridge/state') === 'online',
        20_000,
      );
      await watch.waitFor(
        'an extension',
        () => [...watch.latest().keys()].some((k) => k.startsWith('3cx2mqtt/extension/')),
        20_000,
      );
      const health = await fetch(`http://${listen}/healthz`);
      assert.equal(health.status, 200);
    } finally {
      const { code } = await gateway.stop();
      assert.equal(code, 0, gateway.stdout + gateway.stderr);
    }
    assert.deepEqual(readdirSync(readOnly), ['config.yaml'], 'nothing written beside the configuration');
    assert.ok(readdirSync(data).includes('3cx2mqtt.db'), 'the database in the data directory');
  });
});
