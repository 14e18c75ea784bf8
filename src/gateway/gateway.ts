// The gateway: polls the PBX, keeps the snapshot, and publishes retained state and discovery through the façade.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { PbxSnapshot } from '../domain/types.ts';
import { discoveryMessages, type DiscoveryContext } from '../homeassistant/discovery.ts';
import { DiscoveryLifecycle, type LifecycleOptions } from '../homeassistant/lifecycle.ts';
import type { Logger } from '../log.ts';
import { MqttFacade } from '../mqtt/facade.ts';
import { Topics } from '../mqtt/topics.ts';
import { PbxClient, type PbxCredentials } from '../pbx/client.ts';
import { Directory } from '../domain/directory.ts';
import { nextLocalMidnight } from '../domain/local-day.ts';
import { fetchCallLog } from '../pbx/call-log.ts';
import {
  fetchActiveCalls,
  fetchContacts,
  fetchExtensions,
  fetchQueues,
  fetchRingGroups,
  fetchSystemInfo,
  fetchTrunks,
  fetchVoicemailNumber,
} from '../pbx/endpoints.ts';
import { CallStore } from '../store/database.ts';
import { CallService } from './call-service.ts';
import { CommandHandler } from '../control/commands.ts';
import { SipService } from '../sip/sip-service.ts';
import type { CallEvent } from '../domain/call.ts';
import { PbxError } from '../pbx/errors.ts';
import { VERSION } from '../version.ts';
import { applyFilter } from './entity-filter.ts';
import { Poller } from './poller.ts';
import { discoveredDevices, publishedEntities, stateMessages } from './state-messages.ts';
import { pbxPayload } from '../domain/entity-states.ts';

export interface GatewayOptions {
  config: Config;
  log: Logger;
  /** Called once when the gateway cannot go on (credentials refused too often). */
  onFatal?: (error: Error) => void;
  /** The clock (tests move it across midnight). */
  now?: () => number;
  /** How often the call log is read (faster while a caller ID is pending). */
  callLogIntervalMs?: number;
  /** How old a logged call must be before the gateway takes it as one it did not see live. */
  callLogSettleMs?: number;
  /** Test hooks for Home Assistant timing; production uses the defaults. */
  discoveryTiming?: Pick<LifecycleOptions, 'scanWindowMs' | 'birthDelayMs' | 'migrationGapMs'>;
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

export interface GatewayChanges {
  /** The published state changed (for the dashboard's live updates). */
  state: [];
  call: [CallEvent];
}

export class Gateway {
  /** Notifications for local consumers (the web server); MQTT stays the canonical output. */
  readonly changes = new EventEmitter<GatewayChanges>();
  readonly snapshot: PbxSnapshot = { reachable: false };
  readonly topics: Topics;
  readonly mqtt: MqttFacade;
  readonly client: PbxClient;
  private readonly lifecycle: DiscoveryLifecycle;
  private readonly pollers: Poller[];
  private availabilityKnown = false;
  private consecutiveFailures = 0;
  private authFailures = 0;
  private discovery = new Map<string, string>();
  private fatal = false;
  /** Polls and publishes, for the closing note's figures and for metrics later. */
  readonly counters = { polls: 0, failedPolls: 0 };
  readonly store: CallStore;
  readonly calls: CallService;
  private voicemailNumber: string | null = null;
  private midnightTimer?: NodeJS.Timeout;
  private callLogFailing = false;
  private readonly now: () => number;
  private readonly commands: CommandHandler;
  readonly sip?: SipService;
  private lastPollAt = 0;
  /** Per-endpoint request figures for /metrics. */
  readonly requestObservers: ((endpoint: string, status: number, durationMs: number) => void)[] = [];

  constructor(private readonly options: GatewayOptions) {
    const { config, log } = options;
    this.now = options.now ?? Date.now;
    this.topics = new Topics(config.mqtt.base_topic);
    this.store = new CallStore(config.history.database);
    this.calls = new CallService({
      store: this.store,
      timeZone: config.pbx.timezone,
      vip: config.contacts.vip,
      recentLimit: config.history.recent_calls,
      missedLimit: config.history.recent_missed_calls,
      publicUrl: (config.web.public_url ?? `http://${config.web.listen}`).replace(/\/$/, ''),
      log: log.child({ module: 'calls' }),
      now: this.now,
      ...(options.callLogSettleMs !== undefined ? { settleMs: options.callLogSettleMs } : {}),
    });
    this.client = pbxClientFor(config, (endpoint, status, ms) => {
      for (const observe of this.requestObservers) observe(endpoint, status, ms);
    });
    this.mqtt = new MqttFacade(
      {
        url: config.mqtt.url,
        username: config.mqtt.username,
        password: config.mqtt.password,
        clientId: config.mqtt.client_id ?? `3cx2mqtt_${config.pbx.id}`,
        caFile: config.mqtt.ca_file,
        rejectUnauthorized: config.mqtt.reject_unauthorized,
        protocolVersion: config.mqtt.protocol_version,
      },
      this.topics,
      log.child({ module: 'mqtt' }),
    );
    this.lifecycle = new DiscoveryLifecycle(
      this.mqtt,
      {
        enabled: config.homeassistant.enabled,
        prefix: config.homeassistant.discovery_prefix,
        statusTopic: config.homeassistant.status_topic,
        pbxId: config.pbx.id,
        bridgeStateTopic: this.topics.bridgeState,
        ...options.discoveryTiming,
      },
      log.child({ module: 'homeassistant' }),
    );
    const poller = (name: string, intervalMs: number, task: () => Promise<void>) =>
      new Poller({
        name,
        intervalMs,
        task,
        onSuccess: () => this.onPollSuccess(name),
        onFailure: (error) => this.onPollFailure(name, error),
      });
    if (config.sip.enabled) {
      this.sip = new SipService({
        config,
        log: log.child({ module: 'sip' }),
        workDir: join(dirname(resolve(config.history.database)), 'baresip'),
        onProgress: (progress) =>
          this.mqtt.publishEvent(`${this.topics.base}/event/alarm_call`, JSON.stringify(progress)),
        onState: () => this.publish(false),
      });
    }
    this.commands = new CommandHandler({
      sip: this.sip,
      alertNumbers: config.sip.alert_numbers,
      makeCallDurationMs: config.sip.make_call_duration,
      mqtt: this.mqtt,
      topics: this.topics,
      client: this.client,
      log: log.child({ module: 'commands' }),
      allowedNumbers: config.commands.allowed_numbers,
      ratePerMinute: config.commands.rate_limit_per_minute,
      sipEnabled: config.sip.enabled,
      extension: (number) => this.snapshot.extensions?.find((e) => e.number === number),
      activeCalls: () => this.calls.tracker.active,
      presenceChanged: (number, profile) => {
        const extension = this.snapshot.extensions?.find((e) => e.number === number);
        if (extension) extension.presence = profile;
        this.publish(false);
      },
      now: this.now,
    });
    this.pollers = [
      poller('presence', config.polling.presence, () => this.pollDirectory()),
      poller('trunks', config.polling.trunks, () => this.pollTrunks()),
      poller('calls', config.polling.calls, () => this.pollCalls()),
      new Poller({
        name: 'calllog',
        // Every 30 s; every 5 s while a trunk call waits for its real caller number.
        intervalMs: () => {
          const normal = options.callLogIntervalMs ?? 30_000;
          return this.calls.tracker.unresolved().length > 0 ? Math.min(normal, 5000) : normal;
        },
        task: () => this.syncCallLog(),
        onSuccess: () => {
          if (this.callLogFailing) log.info('call log readable again');
          this.callLogFailing = false;
        },
        // The call log needs the Reports role; its failures never make the PBX "unreachable".
        onFailure: (error) => {
          if (!this.callLogFailing)
            log.warn(
              { err: error instanceof Error ? error.message : String(error) },
              'reading the call log failed',
            );
          this.callLogFailing = true;
        },
      }),
    ];
  }

  private get log(): Logger {
    return this.options.log;
  }

  start(): void {
    this.mqtt.start();
    this.lifecycle.start();
    this.commands.start();
    this.sip?.start();
    this.pollers.forEach((p, index) => p.start(index * 50)); // directory first, calls, then the call log
    this.scheduleMidnight();
  }

  /** At local midnight the daily counters start again at 0, whether or not the PBX answers. */
  private scheduleMidnight(): void {
    const now = this.now();
    const wait = nextLocalMidnight(now, this.options.config.pbx.timezone) - now + 50;
    this.midnightTimer = setTimeout(
      () => {
        const purged = this.calls.purge(this.options.config.history.retention_days);
        if (purged > 0) this.log.info({ purged }, 'removed calls older than history.retention_days');
        this.publish(false);
        this.scheduleMidnight();
      },
      Math.min(wait, 2 ** 31 - 1),
    );
    this.midnightTimer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.midnightTimer);
    await this.sip?.stop();
    await Promise.all(this.pollers.map((p) => p.stop()));
    this.lifecycle.stop();
    await this.mqtt.stop();
    await this.client.close();
    this.store.close();
  }

  private async pollDirectory(): Promise<void> {
    const { entities } = this.options.config;
    const extensions = applyFilter(await fetchExtensions(this.client), entities.extensions);
    const ringGroups = applyFilter(await fetchRingGroups(this.client), entities.ring_groups);
    const queues = applyFilter(await fetchQueues(this.client), entities.queues);
    if (this.options.config.contacts.lookup) {
      try {
        this.calls.setContacts(await fetchContacts(this.client));
      } catch (error) {
        this.log.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'reading the phonebook failed',
        );
      }
    }
    // Only a complete, successful read replaces the directory: a failure above changes nothing.
    Object.assign(this.snapshot, { extensions, ringGroups, queues });
    this.publish(true);
  }

  private async pollTrunks(): Promise<void> {
    const trunks = applyFilter(await fetchTrunks(this.client), this.options.config.entities.trunks);
    const system = await fetchSystemInfo(this.client);
    this.voicemailNumber = await fetchVoicemailNumber(this.client).catch(() => this.voicemailNumber);
    Object.assign(this.snapshot, { trunks, system });
    this.publish(true);
  }

  private async pollCalls(): Promise<void> {
    const rows = await fetchActiveCalls(this.client);
    this.snapshot.activeCalls = rows;
    // Direction comes from DN types, so calls are tracked once the directory and trunks are known.
    if (this.snapshot.extensions && this.snapshot.trunks) {
      this.publishEvents(this.calls.observe(rows, new Directory(this.snapshot, this.voicemailNumber)));
      if (this.calls.reconcileSoon) {
        this.calls.reconcileSoon = false;
        void this.pollers[this.pollers.length - 1]!.run(); // the call-log poller: times of calls that ended unseen
      }
    }
    this.publish(false);
  }

  private async syncCallLog(): Promise<void> {
    if (!this.snapshot.extensions || !this.snapshot.trunks) return;
    const { from, to } = this.calls.syncWindow();
    const events = this.calls.applyCallLog(await fetchCallLog(this.client, from, to));
    this.publishEvents(events);
    this.publish(false);
  }

  private publishEvents(events: readonly CallEvent[]): void {
    for (const event of events) {
      this.mqtt.publishEvent(this.topics.callEvent, JSON.stringify(event));
      this.changes.emit('call', event);
    }
  }

  private get complete(): boolean {
    const s = this.snapshot;
    return !!(s.extensions && s.ringGroups && s.queues && s.trunks && s.system);
  }

  private publish(directoryChanged: boolean): void {
    const { config } = this.options;
    const entities = publishedEntities(this.snapshot);
    const tracking = this.snapshot.extensions !== undefined && this.snapshot.trunks !== undefined;
    const callState = tracking
      ? {
          pbx: { ...this.calls.pbxFields(), ...(this.sip ? this.sip.state : {}) },
          lists: this.calls.listPayloads(),
        }
      : undefined;
    this.mqtt.setRetained(
      'state',
      stateMessages(
        this.snapshot,
        entities,
        this.topics,
        config.mqtt.output,
        this.availabilityKnown,
        callState,
      ),
    );
    if (directoryChanged) {
      const context: DiscoveryContext = {
        prefix: config.homeassistant.discovery_prefix,
        mode: config.homeassistant.mode,
        pbxId: config.pbx.id,
        pbxUrl: config.pbx.url,
        output: config.mqtt.output,
        topics: this.topics,
        version: VERSION,
        dialPattern: config.commands.allowed_numbers.length === 1 ? config.commands.allowed_numbers[0] : null,
        sipEnabled: config.sip.enabled,
      };
      this.discovery = discoveryMessages(context, discoveredDevices(this.snapshot, entities, config.pbx.id));
    }
    this.lifecycle.update(this.discovery, this.complete);
    this.changes.emit('state');
  }

  /** A call reported by 3CX's CRM journaling webhook. */
  journal(journal: Parameters<CallService['mergeJournal']>[0]): { created: boolean; id: string } {
    const { created, id, events } = this.calls.mergeJournal(journal);
    this.publishEvents(events);
    if (created) this.publish(false);
    return { created, id };
  }

  /** Whether the PBX answers (after the first poll result) and the broker is connected, for /readyz. */
  get health(): { pbx: boolean; mqtt: boolean; lastPollAt: number } {
    return {
      pbx: this.availabilityKnown && this.snapshot.reachable,
      mqtt: this.mqtt.connected,
      lastPollAt: this.lastPollAt,
    };
  }

  /** The published state, in the same objects as the MQTT topics (for /api/state). */
  state(): Record<string, unknown> {
    const entities = publishedEntities(this.snapshot);
    const tracking = this.snapshot.extensions !== undefined && this.snapshot.trunks !== undefined;
    const lists = tracking ? this.calls.listPayloads() : { active: [], recent: [], missed: [] };
    const ofKind = (kind: string) => entities.filter((e) => e.kind === kind).map((e) => e.payload);
    return {
      bridge: { state: 'online', mqtt_connected: this.mqtt.connected },
      pbx_availability: this.availabilityKnown ? (this.snapshot.reachable ? 'online' : 'offline') : null,
      pbx: {
        ...pbxPayload(this.snapshot),
        ...(tracking ? this.calls.pbxFields() : {}),
        ...(this.sip ? this.sip.state : {}),
      },
      extensions: ofKind('extension'),
      ring_groups: ofKind('ring_group'),
      queues: ofKind('queue'),
      trunks: ofKind('trunk'),
      calls: lists,
    };
  }

  private onPollSuccess(name: string): void {
    this.counters.polls++;
    this.lastPollAt = this.now();
    if (this.consecutiveFailures > 0) this.log.info({ poll: name }, 'PBX answers again');
    this.consecutiveFailures = 0;
    this.authFailures = 0;
    if (!this.snapshot.reachable || !this.availabilityKnown) {
      this.snapshot.reachable = true;
      this.availabilityKnown = true;
      this.publish(false);
    }
  }

  private onPollFailure(name: string, error: unknown): void {
    this.counters.polls++;
    this.lastPollAt = this.now();
    this.counters.failedPolls++;
    this.consecutiveFailures++;
    const pbxError = error instanceof PbxError ? error : undefined;
    const details = {
      poll: name,
      endpoint: pbxError?.endpoint,
      kind: pbxError?.kind ?? 'internal',
      status: pbxError?.status,
    };
    const message = error instanceof Error ? error.message : String(error);
    if (pbxError?.kind === 'auth') {
      // Count refused logins, not failed polls: one refused login can fail several pollers at once.
      this.authFailures = this.client.consecutiveLoginFailures;
      this.log.error({ ...details, failures: this.authFailures }, `PBX login failed: ${message}`);
      const limit = this.options.config.pbx.max_auth_failures;
      if (limit > 0 && this.authFailures >= limit && !this.fatal) {
        this.fatal = true;
        this.options.onFatal?.(new Error(`giving up after ${this.authFailures} failed logins: ${message}`));
      }
    } else if (!pbxError) {
      this.log.error({ ...details, err: message }, 'poll failed unexpectedly');
    } else if (this.consecutiveFailures === 1) {
      this.log.warn(details, `PBX poll failed: ${message}`);
    } else {
      this.log.debug(details, `PBX poll failed: ${message}`);
    }
    const threshold = this.options.config.polling.failures_before_offline;
    if (this.consecutiveFailures >= threshold && (this.snapshot.reachable || !this.availabilityKnown)) {
      this.snapshot.reachable = false;
      this.availabilityKnown = true;
      this.log.warn({ failures: this.consecutiveFailures }, 'PBX unreachable: pbx/availability offline');
      this.publish(false);
    }
  }
}
