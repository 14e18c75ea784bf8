// MQTT over TLS (mqtts://): a broker with a self-signed certificate, trusted through mqtt.ca_file, refused without it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { generate } from 'selfsigned';
import { CliProcess, writeConfig } from '../helpers/cli.ts';
import { gatewayConfig, startGateway } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

describe('MQTT over TLS', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let caFile = '';

  before(async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    caFile = join(mkdtempSync(join(tmpdir(), '3cx2mqtt-tls-')), 'broker.pem');
    writeFileSync(caFile, pems.cert);
    broker = await startBroker({ tls: { cert: pems.cert, key: pems.private } });
    sim = await SimHarness.start({ extensions: 3 });
  });
  after(async () => {
    await sim?.stop();
    await broker?.stop();
  });

  const tlsUrl = () => `mqtts://127.0.0.1:${broker!.port}`;

  it('publishes over mqtts:// when the broker certificate is trusted through ca_file', async (t: TestContext) => {
    if (!broker) return t.skip();
    const gw = startGateway(gatewayConfig(sim, tlsUrl(), { mqtt: { ca_file: caFile } }));
    const watch = await MqttWatch.connect(tlsUrl(), ['3cx2mqtt/#'], { ca: caFile });
    try {
      await watch.waitFor('state over TLS', () => watch.values('3cx2mqtt/extension/').size === 3, 15_000);
    } finally {
      await gw.stop();
      await watch.close();
    }
  });

  it('refuses an unverified certificate unless reject_unauthorized is false', async (t: TestContext) => {
    if (!broker) return t.skip();
    const base = {
      pbx: { url: sim.url, client_id: 'simulator', client_secret: 'simulator-secret', verify_tls: false },
    };
    const strict = CliProcess.start([
      'check-config',
      '--config',
      writeConfig({ ...base, mqtt: { url: tlsUrl() } }),
    ]);
    assert.equal((await strict.exited).code, 1);
    assert.match(strict.stderr, /MQTT mqtts:\/\/127\.0\.0\.1:\d+\/?: FAILED/);
    const lax = CliProcess.start([
      'check-config',
      '--config',
      writeConfig({ ...base, mqtt: { url: tlsUrl(), reject_unauthorized: false } }),
    ]);
    assert.equal((await lax.exited).code, 0, lax.stderr);
    const pinned = CliProcess.start([
      'check-config',
      '--config',
      writeConfig({ ...base, mqtt: { url: tlsUrl(), ca_file: caFile } }),
    ]);
    assert.equal((await pinned.exited).code, 0, pinned.stderr);
  });
});
