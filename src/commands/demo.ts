// `3cx2mqtt demo`: the simulator, an embedded MQTT broker (unless --mqtt) and the gateway in one process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../config/load.ts';
import { redactUrl } from '../config/redact.ts';
import { createLogger } from '../log.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../mqtt/embedded-broker.ts';
import { Simulator } from '../sim/simulator.ts';
import { runGateway } from './run.ts';

/** 127.0.0.1:<preferred>, or a free port when that one is taken. */
async function freeListen(preferred: number): Promise<string> {
  const server = createServer();
  let port: number;
  try {
    port = await listen(server, preferred);
  } catch {
    port = await listen(server, 0);
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

export interface DemoOptions {
  webListen?: string;
  mqttUrl?: string;
  logLevel?: string;
  extensions?: number;
  traffic?: 'none' | 'normal' | 'busy';
}

async function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

/** An embedded broker on 1883, or on a free port when 1883 is taken (a local mosquitto, say). */
async function startBroker(): Promise<EmbeddedBroker> {
  try {
    return await startEmbeddedBroker({ port: 1883 });
  } catch {
    return startEmbeddedBroker({ port: 0 });
  }
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const simulator = new Simulator({
    port: 0,
    extensions: options.extensions ?? 25,
    traffic: options.traffic ?? 'normal',
    seed: 1,
  });
  const simUrl = await simulator.start();
  const broker = options.mqttUrl ? undefined : await startBroker();
  const mqttUrl = options.mqttUrl ?? broker!.url;
  // Trust the simulator's certificate explicitly: the demo shows the secure set-up, not verify_tls: false.
  const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-demo-'));
  const caFile = join(dir, 'simulator.pem');
  writeFileSync(caFile, simulator.certificate);
  const config = validateConfig(
    {
      pbx: {
        url: simUrl,
        id: 'demo',
        client_id: 'simulator',
        client_secret: 'simulator-secret',
        ca_file: caFile,
      },
      polling: { calls: '2s', presence: '5s', trunks: '10s' },
      // The embedded broker (aedes) speaks MQTT 3.1.1 only.
      mqtt: { url: mqttUrl, ...(broker ? { protocol_version: 4 } : {}) },
      history: { database: join(dir, 'demo.db') },
      web: { enabled: true, listen: options.webListen ?? (await freeListen(8080)) },
      log: { level: options.logLevel ?? 'warn' },
    },
    'demo',
  );
  const host = new URL(mqttUrl);
  process.stdout.write(
    `3cx2mqtt demo — a simulated 3CX PBX with live traffic, bridged to MQTT\n` +
      `  3CX simulator  ${simUrl}  (client simulator / simulator-secret; scripting API at /sim/)\n` +
      `  MQTT broker    ${redactUrl(mqttUrl)}${broker ? '  (embedded)' : ''}\n` +
      `  watch it       mosquitto_sub -h ${host.hostname} -p ${host.port || '1883'} -v -t '3cx2mqtt/#'\n` +
      `  Home Assistant point its MQTT integration at the broker: devices appear by discovery\n` +
      `  stop           Ctrl-C\n`,
  );
  const code = await runGateway(config, createLogger(config.log.level), (url) =>
    process.stdout.write(`  dashboard      ${url}/\n`),
  );
  await simulator.stop();
  await broker?.close();
  return code;
}
