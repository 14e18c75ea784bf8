// Test helper: MQTT commands as a user sends them, their answers on bridge/response, and what reached the PBX.
import type { MqttWatch } from './mqtt-watch.ts';
import type { SimHarness } from './pbx-http.ts';

export interface CommandAnswer {
  command: string;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: string;
  transaction?: string | number;
}

export interface PbxRequest {
  path: string;
  method: string;
  time: string;
  status: number;
}

/** The requests the simulator received whose path matches, from its own log (`GET /sim/requests`). */
export async function pbxRequests(sim: SimHarness, path: RegExp): Promise<PbxRequest[]> {
  const log = await sim.script<{ requests: PbxRequest[] }>('GET', 'requests');
  return log.requests.filter((r) => path.test(r.path));
}

/** The requests that change something at the PBX: presence, click-to-call, drop call. */
export const PBX_WRITES =
  /^\/xapi\/v1\/(Users\(\d+\)|Users\/Pbx\.MakeCall|ActiveCalls\(\d+\)\/Pbx\.DropCall)$/;

export async function pbxWrites(sim: SimHarness): Promise<PbxRequest[]> {
  return (await pbxRequests(sim, PBX_WRITES)).filter((r) => r.method !== 'GET');
}

/** Answers on <base>/bridge/response in the order they arrived. */
export function answers(watch: MqttWatch, base = '3cx2mqtt'): CommandAnswer[] {
  return watch.messages
    .filter((m) => m.topic === `${base}/bridge/response`)
    .map((m) => JSON.parse(m.payload) as CommandAnswer);
}

/**
 * Publishes one command and waits for the next answer on bridge/response (send one at a time: the answer is the
 * first that arrives after the publish). `retain` publishes it retained, as `mosquitto_pub -r` would.
 */
export async function sendCommand(
  watch: MqttWatch,
  topic: string,
  payload: string | Buffer,
  options: { retain?: boolean; base?: string; timeoutMs?: number } = {},
): Promise<CommandAnswer> {
  const base = options.base ?? '3cx2mqtt';
  const before = answers(watch, base).length;
  await watch.client.publishAsync(`${base}/${topic}`, payload, { qos: 1, retain: options.retain ?? false });
  return watch.waitFor(
    `the answer to ${topic}`,
    () => answers(watch, base)[before],
    options.timeoutMs ?? 10_000,
  );
}
