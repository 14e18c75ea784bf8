// Test helper: a gateway wired to a simulator and a broker, with its log lines captured.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseDuration } from '../../src/config/duration.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { App } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import type { MqttFacade } from '../../src/mqtt/facade.ts';
import type { SipService } from '../../src/sip/sip-service.ts';
import type { CallStore } from '../../src/store/database.ts';
import { apiState } from '../../src/web/api-state.ts';
import { WebServer } from '../../src/web/server.ts';
import { brokerProtocol } from './mosquitto.ts';
import type { SimHarness } from './pbx-http.ts';

/** What tests read of a running gateway, as a user would see it through /api/state, /readyz and the database. */
export interface GatewayView {
  health: { pbx: boolean; mqtt: boolean; lastPollAt: number };
  state(): Record<string, unknown>;
  store: CallStore;
  sip?: SipService;
  mqtt: MqttFacade;
}

export interface GatewayHarness {
  app: App;
  gateway: GatewayView;
  /** Resolves once every unit has started. */
  ready: Promise<unknown>;
  /** Set by startWeb. */
  web?: WebServer;
  config: Config;
  logLines: string[];
  fatal: Error[];
  stop(): Promise<void>;
}

type Overrides = { [section: string]: Record<string, unknown> };

/** Poll intervals a test may set faster than the schema's minimums, which protect a real PBX from its users. */
const FAST_INTERVALS = ['calls', 'presence', 'trunks'] as const;

/**
 * A validated configuration for a gateway in this process. The simulator answers at once, so the poll intervals
 * (default 300/500/500 ms here) are applied after validation: the Gateway takes any Config it is given, and the
 * schema's bounds are tested on their own (test/config/duration-bounds.test.ts).
 */
export function gatewayConfig(sim: SimHarness, mqttUrl: string, overrides: Overrides = {}): Config {
  const intervals = { calls: '300ms', presence: '500ms', trunks: '500ms', ...overrides.polling };
  const polling = Object.fromEntries(
    Object.entries(intervals).filter(([key]) => !(FAST_INTERVALS as readonly string[]).includes(key)),
  );
  const raw: Overrides = {
    pbx: {
      url: sim.url,
      id: 'test',
      client_id: 'simulator',
      client_secret: 'simulator-secret',
      verify_tls: false,
      ...overrides.pbx,
    },
    polling,
    mqtt: { url: mqttUrl, protocol_version: brokerProtocol(mqttUrl), ...overrides.mqtt },
    history: {
      database: join(mkdtempSync(join(tmpdir(), '3cx2mqtt-db-')), 'calls.db'),
      ...overrides.history,
    },
  };
  for (const [section, values] of Object.entries(overrides)) if (!raw[section]) raw[section] = values;
  const config = validateConfig(raw, 'test');
  for (const key of FAST_INTERVALS) {
    const ms = parseDuration(intervals[key]);
    if (ms === undefined) throw new Error(`polling.${key}: not a duration`);
    config.polling[key] = ms;
  }
  return config;
}

export const TEST_DISCOVERY_TIMING = {
  scanWindowMs: 500,
  birthDelayMs: [100, 300] as [number, number],
  migrationGapMs: 300,
};

/** A gateway with short Home Assistant timings (pass {} for production timings). */
export interface GatewayTestOptions {
  now?: () => number;
}

export function startGateway(
  config: Config,
  discoveryTiming: typeof TEST_DISCOVERY_TIMING | Record<string, never> = TEST_DISCOVERY_TIMING,
  testOptions: GatewayTestOptions = {},
): GatewayHarness {
  const logLines: string[] = [];
  const fatal: Error[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const app = new App({
    config,
    log: createLogger('debug', sink),
    onFatal: (error) => fatal.push(error),
    discoveryTiming,
    callLogIntervalMs: 1000,
    callLogSettleMs: 1500,
    serveWeb: false,
    ...(testOptions.now ? { now: testOptions.now } : {}),
  });
  const ready = app.start().catch((error: unknown) => fatal.push(error as Error));
  const gateway: GatewayView = {
    get health() {
      const health = app.webPorts().health();
      return { pbx: health.pbxReachable === true, mqtt: health.mqttConnected, lastPollAt: health.lastPollAt };
    },
    state: () => apiState(app.gateway.published, app.webPorts().health()),
    get store() {
      return app.store;
    },
    get sip() {
      return app.sip;
    },
    get mqtt() {
      return app.mqtt;
    },
  };
  return {
    app,
    gateway,
    ready,
    config,
    logLines,
    fatal,
    stop: async () => {
      await ready;
      await app.stop();
    },
  };
}

/** The gateway's HTTP server on a free port; stopped with the harness. */
export async function startWeb(harness: GatewayHarness): Promise<string> {
  await harness.ready;
  const web = new WebServer(harness.app.webPorts(), harness.config, createLogger('silent'));
  harness.web = web;
  const stopGateway = harness.stop.bind(harness);
  harness.stop = async () => {
    await web.stop();
    await stopGateway();
  };
  return web.start();
}
