// Prometheus metrics (prom-client): PBX requests, calls, queues, extensions, MQTT.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gateway } from '../gateway/gateway.ts';

export function createMetrics(gateway: Gateway): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tcx2mqtt_process_' });
  const duration = new Histogram({
    name: 'tcx2mqtt_pbx_request_duration_seconds',
    help: 'Duration of requests to the 3CX xAPI, by endpoint',
    labelNames: ['endpoint'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'tcx2mqtt_pbx_request_errors_total',
    help: 'Failed requests to the 3CX xAPI, by endpoint and HTTP status (0: no answer)',
    labelNames: ['endpoint', 'status'],
    registers: [registry],
  });
  // Endpoint names are paths with ids replaced; the call-log function's arguments are cut so labels stay few.
  const label = (endpoint: string) => endpoint.replace(/\(.*\)$/, '').slice(0, 80);
  gateway.requestObservers.push((endpoint, status, ms) => {
    duration.observe({ endpoint: label(endpoint) }, ms / 1000);
    if (status === 0 || status >= 400) errors.inc({ endpoint: label(endpoint), status: String(status) });
  });
  // One state per scrape, shared by the collectors below (building it walks every extension).
  let cached: { at: number; value: ReturnType<Gateway['state']> } | undefined;
  const current = () => {
    if (!cached || Date.now() - cached.at > 500) cached = { at: Date.now(), value: gateway.state() };
    return cached.value;
  };
  const state = () =>
    current() as {
      pbx: { active_calls?: number | null };
      queues: { number: string; waiting_callers: number }[];
      extensions: { number: string; registered: boolean }[];
    };
  new Gauge({
    name: 'tcx2mqtt_active_calls',
    help: 'Calls in progress',
    registers: [registry],
    collect() {
      this.set(state().pbx.active_calls ?? 0);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_calls_today',
    help: 'Calls since local midnight, by outcome (missed includes voicemail)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const fields = state().pbx as { total_calls?: number; missed_count?: number };
      this.set({ outcome: 'all' }, fields.total_calls ?? 0);
      this.set({ outcome: 'missed' }, fields.missed_count ?? 0);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_queue_waiting_callers',
    help: 'Callers waiting in each queue',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of state().queues) this.set({ queue: q.number }, q.waiting_callers);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_extension_registered',
    help: '1 when the extension has a registered phone or app',
    labelNames: ['extension'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of state().extensions) this.set({ extension: e.number }, e.registered ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_mqtt_publishes',
    help: 'MQTT messages published since start',
    registers: [registry],
    collect() {
      this.set(gateway.mqtt.stats.published);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_mqtt_reconnects',
    help: 'MQTT reconnections since start',
    registers: [registry],
    collect() {
      this.set(gateway.mqtt.stats.reconnects);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_pbx_up',
    help: '1 while the PBX answers',
    registers: [registry],
    collect() {
      this.set(gateway.health.pbx ? 1 : 0);
    },
  });
  return registry;
}
