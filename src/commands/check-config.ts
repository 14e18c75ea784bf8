// `3cx2mqtt check-config`: the effective configuration (secrets redacted), then a PBX login and a broker connection.
import { mqttSettingsOf, pbxClientFor } from '../app.ts';
import { redactedConfigYaml, redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import { probeBroker } from '../mqtt/connection.ts';
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

export async function checkConfig(
  config: Config,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  out.write(redactedConfigYaml(config));
  err.write('configuration: valid\n');
  const [pbx, broker] = await Promise.all([
    checkPbx(config),
    probeBroker(mqttSettingsOf(config, '_check'), CHECK_TIMEOUT_MS),
  ]);
  const pbxUrl = redactUrl(config.pbx.url);
  const mqttUrl = redactUrl(config.mqtt.url);
  err.write(pbx ? `PBX ${pbxUrl}: FAILED — ${pbx}\n` : `PBX ${pbxUrl}: ok (logged in)\n`);
  err.write(broker ? `MQTT ${mqttUrl}: FAILED — ${broker}\n` : `MQTT ${mqttUrl}: ok (connected)\n`);
  return pbx || broker ? 1 : 0;
}
