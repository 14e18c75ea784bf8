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

/** Click-to-call requests: the xAPI's, or Call Control's while it is live. */
export const MAKE_CALLS = /^\/xapi\/v1\/Users\/Pbx\.MakeCall$|^\/callcontrol\/[^/]+\/makecall$/;

/** The requests that change something at the PBX: presence, click-to-call, drop call (xAPI or Call Control). */
export const PBX_WRITES =
  /^\/xapi\/v1\/(Users\(\d+\)|Users\/Pbx\.MakeCall|ActiveCalls\(\d+\)\/Pbx\.DropCall)$|^\/callcontrol\/[^/]+\/(makecall|participants\/\d+\/drop)$/;

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
  const [answer] = await sendCommands(watch, [[topic, payload]], options);
  return answer!;
}

/**
 * Publishes commands back to back, then waits for as many new answers, which it returns in arrival order. Nothing
 * else may send commands meanwhile.
 */
export async function sendCommands(
  watch: MqttWatch,
  commands: readonly (readonly [topic: string, payload: string | Buffer])[],
  options: { retain?: boolean; base?: string; timeoutMs?: number } = {},
): Promise<CommandAnswer[]> {
  const base = options.base ?? '3cx2mqtt';
  const before = answers(watch, base).length;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Woken by each message (the watch records it first: its listener was added before this one).
  const answered = new Promise<CommandAnswer[]>((resolve, reject) => {
    const onMessage = () => {
      const now = answers(watch, base);
      if (now.length < before + commands.length) return;
      done();
      resolve(now.slice(before, before + commands.length));
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new Error(
          `${answers(watch, base).length - before} of ${commands.length} answers within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      watch.client.off('message', onMessage);
    };
    watch.client.on('message', onMessage);
  });
  // Sent in this order without waiting for each PUBACK (mqtt.js keeps the order).
  await Promise.all(
    commands.map(([topic, payload]) =>
      watch.client.publishAsync(`${base}/${topic}`, payload, { qos: 1, retain: options.retain ?? false }),
    ),
  );
  return answered;
}
