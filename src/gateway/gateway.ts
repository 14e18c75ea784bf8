// The PBX side: the polls (pbx-polls.ts) and Call Control (call-control-feed.ts) feed the calls; the snapshot and
// the calls are projected into the published state and emitted as typed events on the bus. It knows no output.
import type { Bus } from '../bus.ts';
import type { Config } from '../config/schema.ts';
import type { SipFields } from '../domain/alarm.ts';
import type { CallEvent } from '../domain/call.ts';
import type { PbxHealth } from '../domain/health.ts';
import type { Journal, JournalAnswer } from '../domain/journal.ts';
import { isComplete, type ActiveCall, type Extension } from '../domain/types.ts';
import { PublishedState, type PbxView } from '../entities/state.ts';
import type { Logger } from '../log.ts';
import type { PbxClient } from '../pbx/client.ts';
import { PolledReads } from '../pbx/polled-reads.ts';
import type { CallStore } from '../store/database.ts';
import { CallLogSync } from './call-log-sync.ts';
import { CallControlFeed } from './call-control-feed.ts';
import { CallService } from './call-service.ts';
import { atEveryLocalMidnight } from './midnight.ts';
import { PbxPolls } from './pbx-polls.ts';

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

export class Gateway {
  /** The published state, read by the outputs' ports (/api/state, metrics). */
  readonly published = new PublishedState();
  readonly calls: CallService;
  private readonly polls: PbxPolls;
  private readonly callLog: CallLogSync;
  private readonly callControl: CallControlFeed;
  private sip?: SipFields;
  private stopMidnight?: () => void;
  private readonly now: () => number;

  constructor(private readonly options: GatewayOptions) {
    const { config, log, store, client, onFatal } = options;
    this.now = options.now ?? Date.now;
    const reads = new PolledReads(client);
    const calls = CallService.forConfig(
      config,
      store,
      log.child({ module: 'calls' }),
      this.now,
      options.callLogSettleMs,
    );
    this.calls = calls;
    const publishing = (events: readonly CallEvent[]) => {
      this.emitCalls(events);
      this.publish();
    };
    this.polls = new PbxPolls({
      config,
      log,
      client,
      reads,
      now: this.now,
      callsIntervalMs: () => this.callControl.callsInterval(config.polling.calls, this.polls.snapshot),
      onContacts: (contacts) => calls.setContacts(contacts),
      onActiveCalls: (rows) => this.callsRead(rows),
      onHealth: (health) => {
        options.bus.emit('pbxHealth', health);
        this.publish();
      },
      onChanged: () => this.publish(),
      onFatal,
    });
    this.callLog = new CallLogSync({
      client,
      calls,
      log,
      intervalMs: options.callLogIntervalMs ?? 30_000,
      tracking: () => this.polls.tracking,
      onEvents: publishing,
      now: this.now,
    });
    this.callControl = new CallControlFeed({
      config,
      client,
      log,
      calls,
      directory: () => this.polls.directory(),
      readActiveCalls: () => reads.activeCalls(),
      onEvents: (events) => this.emitCalls(events),
      onChanged: () => this.publish(),
      onLost: () => this.polls.readCallsNow(), // not at the slow rate of a check
      onFatal,
      ...(options.realtimePingMs !== undefined ? { pingMs: options.realtimePingMs } : {}),
    });
  }

  start(): void {
    this.calls.restore();
    this.callLog.start(this.polls.start());
    this.callControl.start();
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
    this.callControl.stop();
    await Promise.all([this.polls.stop(), this.callLog.stop()]);
  }

  get health(): PbxHealth {
    return this.polls.health;
  }

  private callsRead(rows: readonly ActiveCall[]): void {
    const directory = this.polls.directory();
    if (directory) {
      this.callControl.flushDeferred();
      this.emitCalls(this.calls.observe(rows, directory, this.callControl.followed));
      this.callLog.afterCallsPoll();
    }
    this.publish();
  }

  private emitCalls(events: readonly CallEvent[]): void {
    for (const event of events) this.options.bus.emit('call', event);
  }

  /** Projects the snapshot and calls into entity states; emits what changed. */
  private publish(): void {
    const { snapshot, tracking } = this.polls;
    const calls = tracking ? { fields: this.calls.pbxFields(), lists: this.calls.lists() } : undefined;
    const liveActivity = this.callControl.activity();
    const view: PbxView = {
      pbxId: this.options.config.pbx.id,
      realtime: this.callControl.state,
      snapshot,
      ...(liveActivity ? { liveActivity } : {}),
      ...(calls ? { calls } : {}),
      ...(this.sip ? { sip: this.sip } : {}),
    };
    const change = this.published.project(view, isComplete(snapshot));
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
  get callControlPort(): CallControlFeed['port'] {
    return this.callControl.port;
  }

  extension(number: string): Extension | undefined {
    return this.polls.extension(number);
  }

  /** The PBX confirmed a presence change: show it now rather than at the next poll. */
  presenceChanged(number: string, profile: string): void {
    this.polls.presenceChanged(number, profile);
  }
}
