// What reaches baresip. Its ctrl_tcp has no authentication (the JSON `token` is only echoed back to match an answer
// to its command, shared/baresip.md §4), so whoever reaches the port can dial: the gateway only ever listens and
// connects on loopback. Numbers reach it only as numbers: from MQTT through the command parsers (test/fuzz), from
// the configuration through the schema (here). Nothing goes through a shell.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, validateConfig } from '../../src/config/load.ts';
import { baresipConfig } from '../../src/sip/baresip-config.ts';
import { ROOT } from '../helpers/cli.ts';
import { INJECTIONS } from '../fuzz/generators.ts';

const PBX = { url: 'https://127.0.0.1:5001', client_id: 'gw', client_secret: 'secret' };

function sipConfig(sip: Record<string, unknown>) {
  return validateConfig(
    {
      pbx: PBX,
      sip: {
        enabled: true,
        account: { user: '610', password: 'sip-pass', domain: 'pbx.example.com' },
        alert_numbers: ['200'],
        ...sip,
      },
    },
    'test',
  );
}

function issuesOf(fn: () => unknown): { key: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('baresip ctrl_tcp', () => {
  it('listens on loopback by default, in the generated config', () => {
    const config = sipConfig({});
    assert.equal(config.sip.baresip.ctrl_tcp, '127.0.0.1:4444');
    const text = baresipConfig({
      ctrlTcp: config.sip.baresip.ctrl_tcp,
      sipListen: config.sip.baresip.sip_listen,
      netInterface: null,
      rtpPorts: config.sip.baresip.rtp_ports,
      account: {
        user: '610',
        password: null,
        domain: 'pbx.example.com',
        transport: 'udp',
        register: true,
        outboundProxy: null,
      },
      defaultPrompt: '/data/baresip/generic.wav',
    });
    const listens = [...text.matchAll(/^ctrl_tcp_listen\s+(\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(listens, ['127.0.0.1:4444']);
  });

  it('accepts loopback addresses only: any other would open an unauthenticated dialler to the network', () => {
    for (const address of ['127.0.0.1:4445', '127.0.0.2:4444', '[::1]:4444', 'localhost:4444'])
      assert.equal(sipConfig({ baresip: { ctrl_tcp: address } }).sip.baresip.ctrl_tcp, address);
    for (const address of ['0.0.0.0:4444', '[::]:4444', '192.168.1.5:4444', 'baresip.lan:4444']) {
      for (const spawn of [true, false]) {
        const issues = issuesOf(() => sipConfig({ baresip: { ctrl_tcp: address, spawn } }));
        const issue = issues.find((i) => i.key === 'sip.baresip.ctrl_tcp');
        assert.ok(issue, `${address} (spawn ${spawn}) accepted: ${JSON.stringify(issues)}`);
        assert.match(issue.message, /loopback/);
      }
    }
  });
});

describe('numbers from the configuration', () => {
  it('sip.alert_numbers are numbers: no SIP URI, parameter, header or control character', () => {
    assert.deepEqual(sipConfig({ alert_numbers: ['200', '+4930123456', '*21#'] }).sip.alert_numbers, [
      '200',
      '+4930123456',
      '*21#',
    ]);
    for (const hostile of [...INJECTIONS.map((piece) => `20${piece}0`), '200 ', 'sip:200@pbx', '']) {
      const issues = issuesOf(() => sipConfig({ alert_numbers: ['201', hostile] }));
      assert.ok(
        issues.some((i) => i.key.startsWith('sip.alert_numbers')),
        `${JSON.stringify(hostile)} accepted`,
      );
    }
  });
});

describe('no shell', () => {
  it('src/ starts processes only with spawn and an argument list, never through a shell', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(join(ROOT, 'src'));
    const spawners: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /(?<!\.)\bexec(Sync|File|FileSync)?\s*\(/, `${file} runs a command line`);
      assert.doesNotMatch(text, /shell\s*:\s*true/, `${file} spawns through a shell`);
      if (/from 'node:child_process'/.test(text)) spawners.push(file.slice(ROOT.length));
    }
    // Only baresip is ever started (its binary from sip.baresip.binary, its arguments the gateway's own).
    assert.deepEqual(spawners, ['src/sip/baresip-process.ts']);
  });
});
