// Hostile configuration files through the CLI, as a user would meet them: each is refused with exit 2, naming the
// file and the reason, quickly and without exhausting memory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aliasBomb, writeFile } from '../helpers/config-files.ts';
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
});
