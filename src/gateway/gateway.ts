// The PBX side: polls the PBX, keeps the snapshot, tracks calls and availability, and emits the published state
// as typed events on the bus. It knows no output: MQTT, Home Assistant and the web subscribe to the bus.
import type { Bus } from '../bus.ts';
import type { Config } from '../config/schema.ts';
import type { SipFields } from '../domain/alarm.ts';
import type { CallEvent } from '../domain/call.ts';
import { cachedDirectory } from '../domain/directory.ts';
import type { PbxHealth } from '../domain/health.ts';
import type { Journal, JournalAnswer } from '../domain/journal.ts';
import { isComplete, tracksCalls, type Extension, type PbxSnapshot } from '../domain/types.ts';
import { PublishedState, type PbxView } from '../entities/state.ts';
import type { Logger } from '../log.ts';
import type { PbxClient } from '../pbx/client.ts';
import { PolledReads } from '../pbx/polled-reads.ts';
import type { CallStore } from '../store/database.ts';
import { CallLogSync } from './call-log-sync.ts';
import { CallService } from './call-service.ts';
import { LiveCalls } from './live-calls.ts';
import { atEveryLocalMidnight } from './midnight.ts';
import { readDirectory, readTrunks } from './pbx-reads.ts';
import { PbxHealthTracker } from './pbx-health.ts';
import { Poller } from './poller.ts';
import { RealtimeSource } from './realtime.ts';

export interface GatewayOptions {
  config: Config;
  log: Logger;
  bus: Bus;
  client: PbxClient;
  store: CallStore;
  /** Called once when the gateway cannot go on (credentials refused too often). */
  onFatal: (error: Error) => void;
  /** The clock (tests move it across midnight). */
  now?: () => number;
  /** How often the call log is read (faster while a caller ID is pending). */
  callLogIntervalMs?: number;
  /** How old a logged call must be before the gateway takes it as one it did not see live. */
  callLogSettleMs?: number;
  /** Call Control heartbeats (tests shorten them). */
  realtimePingMs?: number;
}

/** While Call Control sees every extension and queue, ActiveCalls is read this much less often (a check). */
const LIVE_POLL_FACTOR = 5;

export class Gateway {
  /** The published state, read by the outputs' ports (/api/state, metrics). */
  readonly published = new PublishedState();
  private readonly directory = cachedDirectory();
  readonly calls: CallService;
  private readonly snapshot: PbxSnapshot = { reachable: false };
  private readonly tracker: PbxHealthTracker;
  private readonly pollers: Poller[];
  private readonly callsPoller: Poller;
  private readonly callLog: CallLogSync;
  private readonly realtime: RealtimeSource;
  private readonly live: LiveCalls;
  private readonly liveDirty = new Set<number>();
  private liveFlush?: NodeJS.Immediate;
  private voicemailNumber: string | null = null;
  private sip?: SipFields;
  private stopMidnight?: () => void;
  private readonly now: () => number;
  private readonly reads: PolledReads;

  constructor(private readonly options: GatewayOptions) {
    const { config, log, store, client } = options;
    this.now = options.now ?? Date.now;
    this.reads = new PolledReads(client);
    this.calls = CallService.forConfig(
      config,
      store,
      log.child({ module: 'calls' }),
      this.now,
      options.callLogSettleMs,
    );
    this.tracker = new PbxHealthTracker({
      failuresBeforeOffline: config.polling.failures_before_offline,
      maxAuthFailures: config.pbx.max_auth_failures,
      log,
      now: this.now,
      loginFailures: () => client.consecutiveLoginFailures,
      onChange: (health) => this.healthChanged(health),
      onFatal: options.onFatal,
    });
    this.callLog = new CallLogSync({
      client,
      calls: this.calls,
      log,
      intervalMs: options.callLogIntervalMs ?? 30_000,
      tracking: () => this.tracking,
      onEvents: (events) => {
        this.emitCalls(events);
        this.publish();
      },
      now: this.now,
    });
    this.realtime = new RealtimeSource({
      mode: config.pbx.realtime,
      client,
      log: log.child({ module: 'callcontrol' }),
      onCalls: (ids) => this.liveChanged(ids),
      onLive: (live) => {
        // Lost: read ActiveCalls now, not at the slow rate of a check.
        if (!live) void this.callsPoller.run();
        this.publish();
      },
      onFatal: options.onFatal,
      ...(options.realtimePingMs !== undefined
        ? { pingMs: options.realtimePingMs, pongTimeoutMs: options.realtimePingMs }
        : {}),
    });
    this.live = new LiveCalls({
      source: this.realtime,
      calls: this.calls,
      log,
      directory: () => (this.tracking ? this.directory(this.snapshot, this.voicemailNumber) : undefined),
      readActiveCalls: () => this.reads.activeCalls(),
      onEvents: (events) => {
        this.emitCalls(events);
        this.publish();
      },
    });
    const poller = (name: string, intervalMs: number | (() => number), task: () => Promise<void>) =>
      new Poller({
        name,
        intervalMs,
        task,
        onSuccess: () => this.tracker.success(name),
        onFailure: (error) => this.tracker.failure(name, error),
      });
    this.callsPoller = poller(
      'calls',
      () => this.callsInterval(),
      () => this.pollCalls(),
    );
    this.pollers = [
      poller('presence', config.polling.presence, () => this.pollDirectory()),
      poller('trunks', config.polling.trunks, () => this.pollTrunks()),
      this.callsPoller,
    ];
  }

  start(): void {
    this.calls.restore();
    this.pollers.forEach((p, index) => p.start(index * 50)); // directory first, then calls
    this.callLog.start(this.pollers.length * 50);
    this.realtime.start();
    // At local midnight the daily counters start again at 0, whether or not the PBX answers.
    const { config, log } = this.options;
    this.stopMidnight = atEveryLocalMidnight(config.pbx.timezone, this.now, () => {
      const purged = this.calls.purge(config.history.retention_days);
      if (purged > 0) log.info({ purged }, 'removed calls older than history.retention_days');
      this.publish();
    });
  }

  async stop(): Promise<void> {
    this.stopMidnight?.();
    this.realtime.stop();
    if (this.liveFlush) clearImmediate(this.liveFlush);
    await Promise.all([...this.pollers.map((p) => p.stop()), this.callLog.stop()]);
  }

  get health(): PbxHealth {
    return this.tracker.health;
  }

  private async pollDirectory(): Promise<void> {
    const { config, log } = this.options;
    const { contacts, ...directory } = await readDirectory(this.reads, config, log);
    if (contacts) this.calls.setContacts(contacts);
    // Only a complete, successful read replaces the directory: a failure above changes nothing.
    Object.assign(this.snapshot, directory);
    this.publish();
  }

  private async pollTrunks(): Promise<void> {
    const { trunks, system, voicemailNumber } = await readTrunks(this.options.client, this.options.config);
    if (voicemailNumber !== undefined) this.voicemailNumber = voicemailNumber;
    Object.assign(this.snapshot, { trunks, system });
    this.publish();
  }

  private get tracking(): boolean {
    return tracksCalls(this.snapshot);
  }

  /**
   * Call Control changed these calls: applied once per turn of the event loop, so a burst of events (one TCP read
   * can carry hundreds) is one projection, not hundreds.
   */
  private liveChanged(ids: ReadonlySet<number>): void {
    for (const id of ids) this.liveDirty.add(id);
    if (this.liveFlush) return;
    this.liveFlush = setImmediate(() => {
      this.liveFlush = undefined;
      const dirty = new Set(this.liveDirty);
      this.liveDirty.clear();
      this.live.changed(dirty);
      this.publish();
    });
  }

  /** The calls poll's interval: slower, as a consistency check, while Call Control sees every DN live. */
  private callsInterval(): number {
    const normal = this.options.config.polling.calls;
    const monitored = this.realtime.view.monitored;
    const all =
      this.realtime.live &&
      (this.snapshot.extensions ?? []).every((e) => monitored.has(e.number)) &&
      (this.snapshot.queues ?? []).every((q) => monitored.has(q.number));
    return all ? normal * LIVE_POLL_FACTOR : normal;
  }

  private async pollCalls(): Promise<void> {
    const rows = await this.reads.activeCalls();
    this.snapshot.activeCalls = rows;
    if (this.tracking) {
      this.live.flush();
      const directory = this.directory(this.snapshot, this.voicemailNumber);
      this.emitCalls(this.calls.observe(rows, directory, this.live.followed));
      this.callLog.afterCallsPoll();
    }
    this.publish();
  }

  private emitCalls(events: readonly CallEvent[]): void {
    for (const event of events) this.options.bus.emit('call', event);
  }

  private healthChanged(health: PbxHealth): void {
    this.snapshot.reachable = health.reachable === true;
    this.options.bus.emit('pbxHealth', health);
    this.publish();
  }

  /** Projects the snapshot and calls into entity states; emits what changed. */
  private publish(): void {
    const calls = this.tracking ? { fields: this.calls.pbxFields(), lists: this.calls.lists() } : undefined;
    const view: PbxView = {
      pbxId: this.options.config.pbx.id,
      realtime: !this.realtime.enabled ? 'off' : this.realtime.live ? 'live' : 'polling',
      snapshot: this.snapshot,
      ...(this.realtime.live ? { liveActivity: this.realtime.view.activity() } : {}),
      ...(calls ? { calls } : {}),
      ...(this.sip ? { sip: this.sip } : {}),
    };
    const change = this.published.project(view, isComplete(this.snapshot));
    if (change) this.options.bus.emit('state', change);
  }

  /** The SIP line's fields of `<b>/pbx` changed. */
  setSip(fields: SipFields): void {
    this.sip = fields;
    this.publish();
  }

  /** A call reported by 3CX's CRM journaling webhook. */
  journal(journal: Journal): JournalAnswer {
    const { events, ...answer } = this.calls.mergeJournal(journal);
    this.emitCalls(events);
    if (answer.created) this.publish();
    return answer;
  }

  /** For commands: Call Control while its websocket is live. */
  readonly callControl = {
    live: () => this.realtime.live,
    participantOf: (pbxCallId: number) => this.realtime.view.participantOf(pbxCallId),
  };

  extension(number: string): Extension | undefined {
    return this.snapshot.extensions?.find((e) => e.number === number);
  }

  /** The PBX confirmed a presence change: show it now rather than at the next poll. */
  presenceChanged(number: string, profile: string): void {
    // A new object, not an edit in place: the projection reuses an entity whose inputs are the same objects.
    this.snapshot.extensions = this.snapshot.extensions?.map((e) =>
      e.number === number ? { ...e, presence: profile } : e,
    );
    this.publish();
  }
}
