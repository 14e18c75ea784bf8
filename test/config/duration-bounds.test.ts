// Durations that drive a loop or a timer have bounds (issue 16 #8): `polling.calls: 0ms` once made the gateway send
// 1,942 PBX requests in 6 s. check-config, as a user runs it, refuses each out-of-bounds value naming key and reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliProcess, writeConfig } from '../helpers/cli.ts';

const PBX = { url: 'https://127.0.0.1:1', client_id: 'gw', client_secret: 's3cret' };

async function checkConfig(
  config: Record<string, unknown>,
): Promise<{ code: number | null; stderr: string }> {
  const p = CliProcess.start(['check-config', '--config', writeConfig({ pbx: PBX, ...config })], {
    TCX2MQTT_MQTT__URL: 'mqtt://127.0.0.1:1',
  });
  const { code } = await p.exited;
  return { code, stderr: p.stderr };
}

describe('bounds of durations', () => {
  it('refuses poll intervals below their minimum, with the reason', async () => {
    const result = await checkConfig({ polling: { calls: '0ms', presence: '1s', trunks: 0.5 } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /polling\.calls: got "0ms" — must be at least 500ms: .*PBX/);
    assert.match(result.stderr, /polling\.presence: got "1s" — must be at least 5s: .*PBX/);
    assert.match(result.stderr, /polling\.trunks: got 0\.5 — must be at least 5s: .*PBX/);
  });

  it('refuses SIP timings too short to reach anyone, and a make_call longer than the command allows', async () => {
    const result = await checkConfig({
      sip: { ring_timeout: '0s', confirm_timeout: '1s', alarm_deadline: '5s', make_call_duration: '10m' },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /sip\.ring_timeout: got "0s" — must be at least 2s/);
    assert.match(result.stderr, /sip\.confirm_timeout: got "1s" — must be at least 2s/);
    assert.match(result.stderr, /sip\.alarm_deadline: got "5s" — must be at least 10s/);
    assert.match(result.stderr, /sip\.make_call_duration: got "10m" — must be at most 5m/);
  });

  it('refuses a duration a timer cannot wait (past 24 days Node fires it at once)', async () => {
    const result = await checkConfig({ polling: { trunks: '1000h' } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /polling\.trunks: got "1000h" — must be at most 24 days?/);
  });

  it('accepts the minimums themselves', async () => {
    const result = await checkConfig({ polling: { calls: '500ms', presence: '5s', trunks: '5s' } });
    assert.equal(result.code, 1, `valid, but nothing listens at 127.0.0.1:1: ${result.stderr}`);
    assert.match(result.stderr, /configuration: valid/);
  });
});
