// `3cx2mqtt simulate` as a child process: the Call Control options (and their usage errors).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CLI, CliProcess } from '../helpers/cli.ts';
import { call } from '../helpers/pbx-http.ts';

async function started(args: string[]): Promise<{ process: CliProcess; url: string; token: string }> {
  const process = CliProcess.start(['simulate', '--port', '0', '--traffic', 'none', ...args]);
  const url = (await process.waitForOutput(/^listening (https:\/\/127\.0\.0\.1:\d+)$/m, 20_000))[1]!;
  const answer = await call(`${url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id=simulator&client_secret=simulator-secret&grant_type=client_credentials',
  });
  return { process, url, token: answer.json<{ access_token: string }>().access_token };
}

describe('simulate: Call Control options', () => {
  it('--monitor lists only those DNs; --callcontrol off answers 403', async () => {
    const monitored = await started(['--extensions', '5', '--monitor', '101,900']);
    try {
      const answer = await call(`${monitored.url}/callcontrol`, {
        headers: { authorization: `Bearer ${monitored.token}` },
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(
        answer.json<{ dn: string }[]>().map((d) => d.dn),
        ['101', '900'],
      );
    } finally {
      monitored.process.kill();
    }
    const off = await started(['--extensions', '5', '--callcontrol', 'off']);
    try {
      const answer = await call(`${off.url}/callcontrol`, {
        headers: { authorization: `Bearer ${off.token}` },
      });
      assert.equal(answer.status, 403);
      await off.process.waitForOutput(/Call Control off/);
    } finally {
      off.process.kill();
    }
  });

  it('rejects a bad --callcontrol or --monitor with exit code 2 and the reason', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'simulate', '--port', '0', ...args]);
    const bad = run(['--callcontrol', 'maybe']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.toString(), /--callcontrol expects on or off/);
    const unknown = run(['--extensions', '5', '--monitor', '101,4711']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr.toString(), /--monitor: .*4711/);
  });
});
