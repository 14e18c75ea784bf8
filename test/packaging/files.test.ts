// Dockerfile, compose, the container config and the systemd unit point at things the project really has.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/load.ts';
import { GatewayStack, ROOT } from '../helpers/cli.ts';
import { waitUntil } from '../helpers/wait.ts';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

it('the Dockerfile copies paths that exist and checks an endpoint the server has', () => {
  const dockerfile = read('Dockerfile');
  for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of sources!.split(' ')) assert.ok(existsSync(join(ROOT, source)), `COPY ${source}`);
  }
  const exposed = /^EXPOSE (\d+)$/m.exec(dockerfile)![1];
  assert.match(dockerfile, new RegExp(`TCX2MQTT_WEB__LISTEN=0\\.0\\.0\\.0:${exposed}`));
  assert.match(dockerfile, new RegExp(`HEALTHCHECK[\\s\\S]*http://127\\.0\\.0\\.1:${exposed}/healthz`));
  assert.ok(read('src/web/server.ts').includes("case '/healthz'"));
  assert.match(dockerfile, /ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/dist\/cli\.js"\]/);
  assert.ok(existsSync(join(ROOT, 'dist', 'cli.js')), 'the build produces dist/cli.js');
  assert.match(dockerfile, /^USER 10001:10001$/m);
  assert.match(dockerfile, /baresip-core/);
  assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);
});

it("the Dockerfile's HEALTHCHECK command passes against a running `3cx2mqtt run`", async () => {
  const dockerfile = read('Dockerfile');
  const healthcheck = /^HEALTHCHECK (.*?)\\\n\s*CMD (\[.*\])$/m.exec(dockerfile);
  assert.ok(healthcheck, 'HEALTHCHECK ... CMD ["…"] in the Dockerfile');
  const startPeriod = Number(/--start-period=(\d+)s/.exec(healthcheck[1]!)![1]) * 1000;
  const [program, ...args] = JSON.parse(healthcheck[2]!) as string[];
  assert.equal(program, 'node');
  // `run` as the image starts it (built CLI, default polling), its web.listen on a free port instead of 8080.
  const stack = await GatewayStack.start();
  try {
    const probe = args.map((arg) => arg.replace('127.0.0.1:8080', new URL(stack.web).host));
    assert.notDeepEqual(probe, args, 'the HEALTHCHECK probes 127.0.0.1:8080, the EXPOSEd port');
    // Docker runs the command until it passes or the start period is over.
    const attempts: (number | null)[] = [];
    await waitUntil(
      `the HEALTHCHECK to pass within the ${startPeriod} ms start period`,
      async () => {
        const code = await new Promise<number | null>((resolve) =>
          spawn(process.execPath, probe, { stdio: 'ignore' }).once('exit', resolve),
        );
        attempts.push(code);
        return code === 0;
      },
      startPeriod,
      500,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; exit codes ${attempts.join(', ')}`);
    });
  } finally {
    await stack.stop();
  }
});

it('compose and the container config fit together', () => {
  const compose = parse(read('docker/compose.yaml')) as {
    services: Record<
      string,
      {
        build?: string;
        volumes?: string[];
        ports?: string[];
        command?: string[];
        environment?: Record<string, string>;
      }
    >;
  };
  const { mosquitto, demo } = compose.services;
  const gateway = compose.services['3cx2mqtt']!;
  assert.ok(existsSync(join(ROOT, 'docker', gateway.build!, 'Dockerfile')));
  for (const volume of mosquitto!.volumes!.filter((v) => v.startsWith('./')))
    assert.ok(existsSync(join(ROOT, 'docker', volume.split(':')[0]!)), volume);
  assert.deepEqual(gateway.ports, ['8080:8080']);
  assert.equal(gateway.environment!.TCX2MQTT_MQTT__URL, 'mqtt://mosquitto:1883');
  const help = read('src/cli.ts');
  for (const option of demo!.command!.filter((c) => c.startsWith('--')))
    assert.ok(help.includes(`${option.slice(2)}: { type:`), option);
  const config = validateConfig(
    parse(read('docker/config.yaml')) as Record<string, unknown>,
    'docker/config.yaml',
  );
  assert.equal(config.web.listen, '0.0.0.0:8080');
  assert.equal(config.mqtt.url, 'mqtt://mosquitto:1883');
  assert.ok(read('docker/mosquitto.conf').includes('listener 1883'));
});

it('the systemd unit runs the package binary, hardened, writing only its state directory', () => {
  const unit = read('packaging/3cx2mqtt.service');
  const bin = Object.keys((JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin)[0]!;
  assert.match(unit, new RegExp(`^ExecStart=/usr/local/bin/${bin} run$`, 'm'));
  for (const line of [
    'DynamicUser=yes',
    'ProtectSystem=strict',
    'NoNewPrivileges=yes',
    'Restart=on-failure',
    'StateDirectory=3cx2mqtt',
    'ReadWritePaths=/var/lib/3cx2mqtt',
  ]) {
    assert.ok(unit.includes(`\n${line}\n`), line);
  }
});
