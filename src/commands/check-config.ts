// `3cx2mqtt check-config`: the effective configuration (secrets redacted), then a PBX login and a broker connection.
import mqtt from 'mqtt';
import { redactedConfigYaml, redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import { pbxClientFor } from '../gateway/gateway.ts';
import { mqttClientOptions } from '../mqtt/facade.ts';
import { probe } from '../pbx/endpoints.ts';

const CHECK_TIMEOUT_MS = 8000;

async function checkPbx(config: Config): Promise<string | undefined> {
  const client = pbxClientFor(config);
  try {
    await probe(client);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.close();
  }
}

async function checkBroker(config: Config): Promise<string | undefined> {
  const client = mqtt.connect(config.mqtt.url, {
    ...mqttClientOptions({
      url: config.mqtt.url,
      username: config.mqtt.username,
      password: config.mqtt.password,
      clientId: `${config.mqtt.client_id ?? `3cx2mqtt_${config.pbx.id}`}_check`,
      caFile: config.mqtt.ca_file,
      rejectUnauthorized: config.mqtt.reject_unauthorized,
      protocolVersion: config.mqtt.protocol_version,
    }),
    reconnectPeriod: 0,
    connectTimeout: CHECK_TIMEOUT_MS,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed')));
    });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.end(true);
  }
}

export async function checkConfig(
  config: Config,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  out.write(redactedConfigYaml(config));
  err.write('configuration: valid\n');
  const [pbx, broker] = await Promise.all([checkPbx(config), checkBroker(config)]);
  const pbxUrl = redactUrl(config.pbx.url);
  const mqttUrl = redactUrl(config.mqtt.url);
  err.write(pbx ? `PBX ${pbxUrl}: FAILED — ${pbx}\n` : `PBX ${pbxUrl}: ok (logged in)\n`);
  err.write(broker ? `MQTT ${mqttUrl}: FAILED — ${broker}\n` : `MQTT ${mqttUrl}: ok (connected)\n`);
  return pbx || broker ? 1 : 0;
}
