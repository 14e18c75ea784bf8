// The generated baresip config against the real binary: it starts, ctrl_tcp answers a netstring command on
// loopback, and `quit` ends it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baresipAccount, baresipConfig } from '../../src/sip/baresip-config.ts';
import { encodeNetstring, NetstringDecoder } from '../../src/sip/netstring.ts';
import { freePort, rtpRange } from '../helpers/mosquitto.ts';
import { componentPath, skipWithout } from '../helpers/components.ts';

const skip = skipWithout(['baresip'], 'skipped: the SIP tests need the real baresip');

it('baresip starts with the generated config and answers over ctrl_tcp', { skip }, async () => {
  const [ctrl, sip] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-baresip-'));
  const prompt = fileURLToPath(new URL('../../sounds/generic.wav', import.meta.url));
  const settings = {
    ctrlTcp: `127.0.0.1:${ctrl}`,
    sipListen: `127.0.0.1:${sip}`,
    netInterface: '127.0.0.1',
    rtpPorts: rtpRange(4),
    account: {
      user: 'alarm',
      password: null,
      domain: `127.0.0.1:${sip}`,
      transport: 'udp' as const,
      register: false,
      outboundProxy: null,
    },
    defaultPrompt: prompt,
  };
  writeFileSync(join(dir, 'config'), baresipConfig(settings));
  writeFileSync(join(dir, 'accounts'), baresipAccount(settings), { mode: 0o600 });
  const child = spawn(componentPath('baresip')!, ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const socket = await (async () => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const s = await new Promise<ReturnType<typeof createConnection> | undefined>((resolve) => {
          const c = createConnection({ host: '127.0.0.1', port: ctrl });
          c.once('connect', () => resolve(c));
          c.once('error', () => resolve(undefined));
        });
        if (s) return s;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`ctrl_tcp did not listen:\n${output}`);
    })();
    const decoder = new NetstringDecoder();
    const frames: Record<string, unknown>[] = [];
    socket.on('data', (chunk: Buffer) =>
      frames.push(...decoder.push(chunk).map((f) => JSON.parse(f) as Record<string, unknown>)),
    );
    const waitFor = async (predicate: (f: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const found = frames.find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no such frame; got ${JSON.stringify(frames)}`);
    };
    socket.write(
      encodeNetstring(
        JSON.stringify({ command: 'uafind', params: `sip:alarm@127.0.0.1:${sip}`, token: 't1' }),
      ),
    );
    const found = await waitFor((f) => f.token === 't1');
    assert.equal(found.response, true);
    assert.equal(found.ok, true, JSON.stringify(found));
    socket.write(encodeNetstring(JSON.stringify({ command: 'quit', token: 't2' })));
    await waitFor((f) => f.type === 'EXIT' || f.type === 'SHUTDOWN');
    socket.destroy();
    assert.equal(
      await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]),
      0,
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
