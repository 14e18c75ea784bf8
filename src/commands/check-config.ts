// `3cx2mqtt check-config`: the effective configuration (secrets redacted), then a PBX login, whether Call Control
// answers (pbx.realtime), and a broker connection.
import { mqttSettingsOf, pbxClientFor } from '../app.ts';
import { redactedConfigYaml, redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import { probeBroker } from '../mqtt/connection.ts';
import { callControlUnavailable, fetchCallControlSnapshot } from '../pbx/callcontrol.ts';
import type { PbxClient } from '../pbx/client.ts';
import { probe } from '../pbx/endpoints.ts';

const CHECK_TIMEOUT_MS = 8000;

interface PbxCheck {
  /** Why the login failed. */
  failed?: string;
  /** The Call Control line, and whether it fails the check. */
  callControl?: { line: string; failed: boolean };
}

async function checkPbx(config: Config): Promise<PbxCheck> {
  const client = pbxClientFor(config);
  try {
    await probe(client);
  } catch (error) {
    await client.close();
    return { failed: error instanceof Error ? error.message : String(error) };
  }
  try {
    return { callControl: await checkCallControl(client, config.pbx.realtime) };
  } finally {
    await client.close();
  }
}

/** `auto` polls where Call Control is refused, so only `callcontrol` fails when it is. */
async function checkCallControl(
  client: PbxClient,
  realtime: Config['pbx']['realtime'],
): Promise<{ line: string; failed: boolean }> {
  if (realtime === 'poll') return { line: 'not tried (pbx.realtime: poll)', failed: false };
  try {
    const monitored = await fetchCallControlSnapshot(client);
    return { line: `ok (${monitored.length} DNs monitored)`, failed: false };
  } catch (error) {
    const reason = callControlUnavailable(error) ?? (error instanceof Error ? error.message : String(error));
    return realtime === 'callcontrol'
      ? { line: `FAILED — ${reason}`, failed: true }
      : { line: `not available — ${reason}; calls will be polled (pbx.realtime: auto)`, failed: false };
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
  err.write(pbx.failed ? `PBX ${pbxUrl}: FAILED — ${pbx.failed}\n` : `PBX ${pbxUrl}: ok (logged in)\n`);
  if (pbx.callControl) err.write(`Call Control: ${pbx.callControl.line}\n`);
  err.write(broker ? `MQTT ${mqttUrl}: FAILED — ${broker}\n` : `MQTT ${mqttUrl}: ok (connected)\n`);
  return pbx.failed || pbx.callControl?.failed || broker ? 1 : 0;
}
