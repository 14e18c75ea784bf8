// The composition root: builds every unit, starts them in order (store, broker, outputs, SIP, commands, the PBX
// side last) and stops them in reverse. The only place that knows all the rooms; each unit gets narrow ports.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Bus } from './bus.ts';
import type { Config } from './config/schema.ts';
import { CommandHandler } from './control/commands.ts';
import { Gateway } from './gateway/gateway.ts';
import { DiscoveryPublisher } from './homeassistant/discovery-publisher.ts';
import type { LifecycleOptions } from './homeassistant/lifecycle.ts';
import type { Logger } from './log.ts';
import { MqttFacade, type MqttSettings } from './mqtt/facade.ts';
import { MqttStatePublisher } from './mqtt/state-publisher.ts';
import { Topics } from './mqtt/topics.ts';
import { PbxClient, type PbxCredentials } from './pbx/client.ts';
import { PbxError } from './pbx/errors.ts';
import { SipService } from './sip/sip-service.ts';
import { CallStore } from './store/database.ts';
import { plainCall } from './store/stored-call.ts';
import { VERSION } from './version.ts';
import type { WebPorts } from './web/ports.ts';
import { WebServer } from './web/server.ts';

export interface AppOptions {
  config: Config;
  log: Logger;
  /** Called once when the gateway cannot go on (credentials refused too often, web.listen taken). */
  onFatal?: (error: Error) => void;
  /** The clock (tests move it across midnight). */
  now?: () => number;
  /** Test hooks: call-log timing and Home Assistant timing; production uses the defaults. */
  callLogIntervalMs?: number;
  callLogSettleMs?: number;
  discoveryTiming?: Pick<LifecycleOptions, 'scanWindowMs' | 'birthDelayMs' | 'migrationGapMs'>;
  /** Whether to serve HTTP when web.enabled (tests that start their own server pass false). */
  serveWeb?: boolean;
}

export function credentialsOf(config: Config): PbxCredentials {
  const pbx = config.pbx;
  return pbx.client_id !== null
    ? { kind: 'client', clientId: pbx.client_id, clientSecret: pbx.client_secret ?? '' }
    : {
        kind: 'user',
        username: pbx.username ?? '',
        password: pbx.password ?? '',
        securityCode: pbx.security_code,
      };
}

export function pbxClientFor(
  config: Config,
  onRequest?: (endpoint: string, status: number, durationMs: number) => void,
): PbxClient {
  return new PbxClient({
    ...(onRequest ? { onRequest } : {}),
    url: config.pbx.url,
    credentials: credentialsOf(config),
    verifyTls: config.pbx.verify_tls,
    ca: config.pbx.ca_file ? readFileSync(config.pbx.ca_file, 'utf8') : null,
  });
}

export function mqttSettingsOf(config: Config, clientIdSuffix = ''): MqttSettings {
  return {
    url: config.mqtt.url,
    username: config.mqtt.username,
    password: config.mqtt.password,
    clientId: `${config.mqtt.client_id ?? `3cx2mqtt_${config.pbx.id}`}${clientIdSuffix}`,
    caFile: config.mqtt.ca_file,
    rejectUnauthorized: config.mqtt.reject_unauthorized,
    protocolVersion: config.mqtt.protocol_version,
  };
}

interface Unit {
  start(): void | Promise<unknown>;
  stop(): void | Promise<void>;
}

export class App {
  readonly bus: Bus;
  readonly topics: Topics;
  store!: CallStore;
  client!: PbxClient;
  mqtt!: MqttFacade;
  gateway!: Gateway;
  sip?: SipService;
  web?: WebServer;
  private readonly started: Unit[] = [];
  private webUrl?: string;

  constructor(private readonly options: AppOptions) {
    this.bus = new Bus((event, error) =>
      options.log.error(
        { event, err: error instanceof Error ? error.message : String(error) },
        'a bus listener failed',
      ),
    );
    this.topics = new Topics(options.config.mqtt.base_topic);
  }

  /** Starts everything; resolves with the dashboard URL once it listens (undefined without web). */
  async start(): Promise<string | undefined> {
    const { config, log, discoveryTiming } = this.options;
    const { bus, topics } = this;
    this.store = new CallStore(config.history.database);
    this.started.push({ start: () => undefined, stop: () => this.store.close() });
    this.client = pbxClientFor(config, (endpoint, status, durationMs) =>
      bus.emit('pbxRequest', { endpoint, status, durationMs }),
    );
    this.started.push({ start: () => undefined, stop: () => this.client.close() });
    this.mqtt = new MqttFacade(mqttSettingsOf(config), topics, log.child({ module: 'mqtt' }));
    this.mqtt.on('connected', () => bus.emit('mqttConnection', { connected: true }));
    this.mqtt.on('disconnected', () => bus.emit('mqttConnection', { connected: false }));
    this.gateway = new Gateway({
      config,
      log,
      bus,
      client: this.client,
      store: this.store,
      onFatal: (error) => this.options.onFatal?.(error),
      ...(this.options.now ? { now: this.options.now } : {}),
      ...(this.options.callLogIntervalMs !== undefined
        ? { callLogIntervalMs: this.options.callLogIntervalMs }
        : {}),
      ...(this.options.callLogSettleMs !== undefined
        ? { callLogSettleMs: this.options.callLogSettleMs }
        : {}),
    });
    const gateway = this.gateway;
    if (config.sip.enabled) {
      this.sip = new SipService({
        config,
        log: log.child({ module: 'sip' }),
        workDir: join(dirname(resolve(config.history.database)), 'baresip'),
        bus,
      });
      bus.on('sipState', (fields) => gateway.setSip(fields));
    }
    const units: Unit[] = [
      this.mqtt,
      new MqttStatePublisher(bus, this.mqtt, topics, config.mqtt.output),
      new DiscoveryPublisher(
        bus,
        this.mqtt,
        {
          context: {
            prefix: config.homeassistant.discovery_prefix,
            mode: config.homeassistant.mode,
            pbxId: config.pbx.id,
            pbxUrl: config.pbx.url,
            output: config.mqtt.output,
            topics,
            version: VERSION,
            dialPattern:
              config.commands.allowed_numbers.length === 1 ? config.commands.allowed_numbers[0] : null,
            sipEnabled: config.sip.enabled,
          },
          lifecycle: {
            enabled: config.homeassistant.enabled,
            prefix: config.homeassistant.discovery_prefix,
            statusTopic: config.homeassistant.status_topic,
            pbxId: config.pbx.id,
            bridgeStateTopic: topics.bridgeState,
            ...discoveryTiming,
          },
        },
        log.child({ module: 'homeassistant' }),
      ),
      ...(this.sip ? [this.sip] : []),
      new CommandHandler({
        bus,
        sip: this.sip,
        alertNumbers: config.sip.alert_numbers,
        makeCallDurationMs: config.sip.make_call_duration,
        mqtt: this.mqtt,
        topics,
        client: this.client,
        log: log.child({ module: 'commands' }),
        allowedNumbers: config.commands.allowed_numbers,
        ratePerMinute: config.commands.rate_limit_per_minute,
        sipEnabled: config.sip.enabled,
        extension: (number) => gateway.extension(number),
        activeCalls: () => gateway.calls.tracker.active,
        presenceChanged: (number, profile) => gateway.presenceChanged(number, profile),
        callControl: gateway.callControlPort,
        ...(this.options.now ? { now: this.options.now } : {}),
      }),
    ];
    if (config.web.enabled && this.options.serveWeb !== false) {
      this.web = new WebServer(this.webPorts(), config, log.child({ module: 'web' }));
      const web = this.web;
      units.push({
        start: async () => {
          try {
            this.webUrl = await web.start();
          } catch (error) {
            throw new Error(
              `web.listen ${config.web.listen}: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
        },
        stop: () => web.stop(),
      });
    }
    units.push(gateway); // the PBX side last: every output listens before the first poll
    for (const unit of units) {
      await unit.start();
      this.started.push(unit);
    }
    return this.webUrl;
  }

  /** What the web output may use (also for a test's own server). */
  webPorts(): WebPorts {
    const { gateway, store, client, mqtt, bus } = this;
    return {
      bus,
      published: gateway.published,
      health: () => ({
        pbxReachable: gateway.health.reachable,
        mqttConnected: mqtt.connected,
        lastPollAt: gateway.health.lastPollAt,
        callsDegraded: gateway.health.callsDegraded,
      }),
      history: (query) => store.history(query).map(plainCall),
      recording: async (id) => {
        try {
          return await client.download(`Recordings/Pbx.DownloadRecording(recId=${id})`);
        } catch (error) {
          if (error instanceof PbxError) return { unreachable: error.kind };
          throw error;
        }
      },
      contactName: (number) => gateway.calls.contactName(number),
      journal: (journal) => gateway.journal(journal),
      mqttStats: () => mqtt.stats,
    };
  }

  /** Stops in reverse order; every unit gets its stop even when one fails. */
  async stop(): Promise<void> {
    for (const unit of this.started.splice(0).reverse()) {
      try {
        await unit.stop();
      } catch (error) {
        this.options.log.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'stopping failed',
        );
      }
    }
  }
}
