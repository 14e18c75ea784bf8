// /api/state: the published state in the same objects as the MQTT topics, one section per entity kind.
import { POLLED_KINDS, kindDefinition } from '../entities/registry.ts';
import { CALL_LISTS } from '../entities/state.ts';
import type { BridgeHealth, WebPorts } from './ports.ts';

export function apiState(published: WebPorts['published'], health: BridgeHealth): Record<string, unknown> {
  const sections: Record<string, unknown> = {};
  for (const kind of POLLED_KINDS)
    sections[kindDefinition(kind).stateKey] = published.ofKind(kind).map((e) => e.payload);
  return {
    bridge: { state: 'online', mqtt_connected: health.mqttConnected },
    pbx_availability: health.pbxReachable === null ? null : health.pbxReachable ? 'online' : 'offline',
    pbx: published.ofKind('pbx')[0]?.payload ?? {},
    ...sections,
    calls: Object.fromEntries(CALL_LISTS.map((name) => [name, published.list(name)])),
  };
}
