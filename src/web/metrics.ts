// Prometheus metrics (prom-client): PBX requests, calls, queues, extensions, MQTT.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WebPorts } from './ports.ts';

export interface Metrics {
  registry: Registry;
  /** Starts counting PBX requests from the bus; returns the function that stops it. */
  observe(): () => void;
}

export function createMetrics(ports: Pick<WebPorts, 'bus' | 'published' | 'health' | 'mqttStats'>): Metrics {
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
  const observe = () =>
    ports.bus.on('pbxRequest', ({ endpoint, status, durationMs }) => {
      duration.observe({ endpoint: label(endpoint) }, durationMs / 1000);
      if (status === 0 || status >= 400) errors.inc({ endpoint: label(endpoint), status: String(status) });
    });
  const pbx = () =>
    (ports.published.ofKind('pbx')[0]?.payload ?? {}) as {
      active_calls?: number | null;
      total_calls?: number;
      missed_count?: number;
    };
  new Gauge({
    name: 'tcx2mqtt_active_calls',
    help: 'Calls in progress',
    registers: [registry],
    collect() {
      this.set(pbx().active_calls ?? 0);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_calls_today',
    help: 'Calls since local midnight, by outcome (missed includes voicemail)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const fields = pbx();
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
      for (const { number, payload } of ports.published.ofKind('queue'))
        this.set({ queue: number }, Number(payload.waiting_callers));
    },
  });
  new Gauge({
    name: 'tcx2mqtt_extension_registered',
    help: '1 when the extension has a registered phone or app',
    labelNames: ['extension'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { number, payload } of ports.published.ofKind('extension'))
        this.set({ extension: number }, payload.registered === true ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_mqtt_publishes',
    help: 'MQTT messages published since start',
    registers: [registry],
    collect() {
      this.set(ports.mqttStats().published);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_mqtt_reconnects',
    help: 'MQTT reconnections since start',
    registers: [registry],
    collect() {
      this.set(ports.mqttStats().reconnects);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_calls_poll_degraded',
    help: '1 while the ActiveCalls poll fails repeatedly although the PBX answers other polls',
    registers: [registry],
    collect() {
      this.set(ports.health().callsDegraded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tcx2mqtt_pbx_up',
    help: '1 while the PBX answers',
    registers: [registry],
    collect() {
      this.set(ports.health().pbxReachable === true ? 1 : 0);
    },
  });
  return { registry, observe };
}
