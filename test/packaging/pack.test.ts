// The production install path, outside the dev tree: npm pack, install the tarball without dev dependencies, run it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../helpers/cli.ts';

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// The install compiles better-sqlite3 from source (no prebuilt binary offline): ~110 s on an idle 2-core machine,
// two to three times that beside other work: a generous bound (npm test gives a file 10 minutes).
const INSTALL_LIMIT_MS = 420_000;

it('installs from the packed tarball with --omit=dev and runs --version and check-config', async () => {
  const work = mkdtempSync(join(tmpdir(), '3cx2mqtt-pack-'));
  const packed = await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT });
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = join(work, packed.stdout.trim().split('\n').pop()!);
  const app = join(work, 'app');
  await run('mkdir', ['-p', app], { cwd: work });
  // npm 11 runs install scripts only for packages the project allows; better-sqlite3 builds its addon in one.
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'install-check', private: true, allowScripts: { 'better-sqlite3': true } }),
  );
  const installed = await run(
    'npm',
    ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball],
    { cwd: app },
  );
  assert.equal(installed.code, 0, installed.stderr);
  const bin = join(app, 'node_modules', '.bin', '3cx2mqtt');
  const version = await run(bin, ['--version'], { cwd: app });
  const expected = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  assert.equal(version.stdout.trim(), expected, version.stderr);
  const example = join(app, 'node_modules', '3cx2mqtt', 'config.example.yaml');
  const checked = await run(bin, ['check-config', '--config', example], {
    cwd: app,
    env: {
      TCX2MQTT_PBX__URL: 'https://127.0.0.1:1',
      TCX2MQTT_MQTT__URL: 'mqtt://127.0.0.1:1',
      TCX2MQTT_HISTORY__DATABASE: join(app, 'db', 'x.db'),
    },
  });
  assert.match(checked.stderr, /configuration: valid/);
  assert.equal(checked.code, 1, 'the schema passes; PBX and broker are unreachable');
  // The dashboard assets ship with the package.
  assert.ok(
    readFileSync(join(app, 'node_modules', '3cx2mqtt', 'web', 'index.html'), 'utf8').includes('app.js'),
  );
});
