// Hostile configuration files through the CLI, as a user would meet them: each is refused with exit 2, naming the
// file and the reason, quickly and without exhausting memory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aliasBomb, PBX_SECTION, writeFile } from '../helpers/config-files.ts';
import { CliProcess } from '../helpers/cli.ts';

async function checkConfig(path: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  const p = CliProcess.start(['check-config', '--config', path]);
  const { code, at } = await p.exited;
  return { code, stderr: p.stderr, ms: at - started };
}

describe('hostile configuration files', () => {
  it('a YAML alias bomb exits 2, naming the file and the alias limit (issue 16 #7)', async () => {
    const path = writeFile('bomb.yaml', aliasBomb());
    for (const command of ['check-config', 'run']) {
      const p = CliProcess.start([command, '--config', path]);
      const { code } = await p.exited;
      assert.equal(code, 2, `${command}: ${p.stderr}`);
      assert.ok(p.stderr.includes(path), `${command} names the file: ${p.stderr}`);
      assert.match(p.stderr, /alias/i);
    }
  });

  it('a small bomb inside the alias limit is still refused for what it is: unknown keys', async () => {
    const result = await checkConfig(writeFile('small.yaml', aliasBomb(2, 3)));
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /l0: unknown key/);
  });

  it('a 50 MB file is refused before parsing, naming the file and the limit', async () => {
    // Valid YAML all through (one long comment), so only its size can be the reason.
    const path = writeFile('huge.yaml', `${PBX_SECTION}# ${'x'.repeat(50 * 1024 * 1024)}\n`);
    const result = await checkConfig(path);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.includes(path), result.stderr);
    assert.match(result.stderr, /50 MB; a configuration file may be at most 1 MB/);
    process.stdout.write(`# refused a 50 MB configuration file in ${result.ms} ms\n`);
  });

  it('a 2 MB list is refused before parsing: YAML reads ~25 lines a millisecond, so megabytes cost seconds', async () => {
    // 4 MB of list items took 7.9 s and 410 MB RSS to parse; 1 MB about 2 s.
    const path = writeFile(
      'list.yaml',
      `${PBX_SECTION}contacts:\n  vip:\n${'    - "123456"\n'.repeat(140_000)}`,
    );
    const result = await checkConfig(path);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /the file is 2 MB; a configuration file may be at most 1 MB/);
  });

  it('a secret file of megabytes is refused, naming its variable', async () => {
    const secret = writeFile('secret', 'x'.repeat(5 * 1024 * 1024));
    const path = writeFile('config.yaml', 'pbx:\n  url: https://127.0.0.1:1\n  client_id: gw\n');
    const p = CliProcess.start(['check-config', '--config', path], {
      TCX2MQTT_PBX__CLIENT_SECRET_FILE: secret,
      TCX2MQTT_MQTT__URL: 'mqtt://127.0.0.1:1',
    });
    const { code } = await p.exited;
    assert.equal(code, 2, p.stderr);
    assert.match(p.stderr, /TCX2MQTT_PBX__CLIENT_SECRET_FILE: .*5 MB; a secret file may be at most 64 KB/);
  });
});
