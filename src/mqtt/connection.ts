// The broker connection's settings and the helpers around it: client options (identity, credentials, TLS,
// protocol version), a one-off probe (check-config), protocol hints, and topic filter matching.
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions } from 'mqtt';

export interface MqttSettings {
  url: string;
  username: string | null;
  password: string | null;
  clientId: string;
  caFile: string | null;
  rejectUnauthorized: boolean;
  /** 5, or 4 (MQTT 3.1.1): only MQTT 5 has the subscription options below. */
  protocolVersion: 4 | 5;
}

/** Connection options shared by the gateway and check-config: identity, credentials, TLS. */
export function mqttClientOptions(settings: MqttSettings): IClientOptions {
  return {
    clientId: settings.clientId,
    clean: true,
    protocolVersion: settings.protocolVersion,
    connectTimeout: 10_000,
    keepalive: 30,
    rejectUnauthorized: settings.rejectUnauthorized,
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ...(settings.caFile ? { ca: readFileSync(settings.caFile) } : {}),
  };
}

/** Connects once and disconnects (check-config): undefined when the broker accepted us, else the reason. */
export async function probeBroker(settings: MqttSettings, timeoutMs: number): Promise<string | undefined> {
  const client = mqtt.connect(settings.url, {
    ...mqttClientOptions(settings),
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
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

/** What to do when a broker refuses the protocol version (an MQTT 3.1.1-only broker such as aedes). */
export function protocolHint(error: Error, settings: MqttSettings): string | undefined {
  const code = (error as Error & { code?: unknown }).code;
  // 1: 3.1.1 "unacceptable protocol version"; 132 (0x84): MQTT 5 "unsupported protocol version".
  if (code !== 1 && code !== 132) return undefined;
  return settings.protocolVersion === 5
    ? 'the broker does not speak MQTT 5: set mqtt.protocol_version: 4'
    : 'the broker refuses MQTT 3.1.1: set mqtt.protocol_version: 5';
}

/** MQTT topic filter matching (+ and #). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
