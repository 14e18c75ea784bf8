// The command line as a user runs it: built dist/cli.js, exit codes, the simulator's first line, check-config.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { call } from './helpers/pbx-http.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 30_000,
  });

describe('command line', () => {
  it('prints its version and help', () => {
    const version = run(['--version']);
    assert.equal(version.status, 0);
    assert.equal(
      version.stdout.trim(),
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
    const help = run(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /check-config/);
  });

  it('exits 2 on bad usage, with a suggestion', () => {
    const command = run(['simulat']);
    assert.equal(command.status, 2);
    assert.match(command.stderr, /did you mean "simulate"/);
    const option = run(['simulate', '--extension', '5']);
    assert.equal(option.status, 2);
    assert.match(option.stderr, /did you mean --extensions/);
    assert.equal(run(['simulate', '--extensions', '10001']).status, 2);
  });

  it('check-config validates the shipped example and prints it without secrets (the example PBX is unreachable: exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-cli-'));
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, 'VERY-SECRET-FROM-FILE');
    const result = run(['check-config', '--config', join(ROOT, 'config.example.yaml')], {
      TCX2MQTT_PBX__CLIENT_SECRET_FILE: secretFile,
      TCX2MQTT_MQTT__PASSWORD: 'MQTT-SECRET-FROM-ENV',
      TCX2MQTT_MQTT__URL: 'mqtt://127.0.0.1:1', // nothing listens there: fails at once
      TCX2MQTT_PBX__URL: 'https://127.0.0.1:1',
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /configuration: valid/);
    assert.match(result.stderr, /PBX https:\/\/127\.0\.0\.1:1: FAILED/);
    assert.match(result.stderr, /MQTT mqtt:\/\/127\.0\.0\.1:1\/?: FAILED/);
    assert.match(result.stdout, /client_secret: "?\*\*\*redacted\*\*\*"?/);
    for (const output of [result.stdout, result.stderr]) {
      assert.ok(!output.includes('VERY-SECRET-FROM-FILE'));
      assert.ok(!output.includes('MQTT-SECRET-FROM-ENV'));
    }
  });

  it('check-config exits 2 listing every configuration error', () => {
    const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-cli-'));
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      'pbx:\n  url: ftp://x\n  password: hunter2-secret\npolling:\n  calls: soon\nmqtt:\n  qos: 2\n',
    );
    const result = run(['check-config', '--config', path]);
    assert.equal(result.status, 2);
    for (const key of ['pbx.url', 'pbx.username', 'polling.calls', 'mqtt.qos'])
      assert.match(result.stderr, new RegExp(`${key.replace('.', '\\.')}: `));
    assert.ok(!result.stderr.includes('hunter2-secret'));
  });

  it('simulate --port 0 prints "listening https://127.0.0.1:PORT" first and serves the xAPI', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'simulate', '--port', '0', '--traffic', 'none', '--extensions', '5'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no output within 20 s')), 20_000);
        createInterface({ input: child.stdout }).once('line', (line) => {
          clearTimeout(timer);
          resolve(line);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const match = /^listening (https:\/\/127\.0\.0\.1:(\d+))$/.exec(firstLine);
      assert.ok(match, firstLine);
      const token = await call(`${match[1]}/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=simulator&client_secret=simulator-secret&grant_type=client_credentials',
      });
      assert.equal(token.status, 200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
