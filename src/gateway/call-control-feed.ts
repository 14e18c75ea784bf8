// Call Control as the gateway's second event source: the websocket source, the live calls it feeds (changes batched
// per turn of the event loop), the ActiveCalls rate it allows, and the port commands use while it is live.
import type { Config } from '../config/schema.ts';
import type { CallEvent } from '../domain/call.ts';
import type { LiveActivity } from '../domain/callcontrol-view.ts';
import type { Directory } from '../domain/directory.ts';
import type { ActiveCall, PbxSnapshot } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { PbxClient } from '../pbx/client.ts';
import type { CallService } from './call-service.ts';
import { LiveCalls } from './live-calls.ts';
import { RealtimeSource } from './realtime.ts';

export interface CallControlFeedOptions {
  config: Config;
  client: PbxClient;
  log: Logger;
  calls: CallService;
  /** The directory for DN kinds, or undefined while calls are not tracked yet. */
  directory: () => Directory | undefined;
  readActiveCalls: () => Promise<ActiveCall[]>;
  /** Call events to emit (the published state is projected after). */
  onEvents: (events: readonly CallEvent[]) => void;
  /** The published state may have changed. */
  onChanged: () => void;
  /** The websocket was lost: ActiveCalls should be read now. */
  onLost: () => void;
  onFatal: (error: Error) => void;
  /** Call Control heartbeats (tests shorten them). */
  pingMs?: number;
}

/** While Call Control sees every extension and queue, ActiveCalls is read this much less often (a check). */
const LIVE_POLL_FACTOR = 5;

export class CallControlFeed {
  private readonly source: RealtimeSource;
  private readonly live: LiveCalls;
  private readonly dirty = new Set<number>();
  private pendingFlush?: NodeJS.Immediate;

  constructor(private readonly options: CallControlFeedOptions) {
    const { config, client, log, calls } = options;
    this.source = new RealtimeSource({
      mode: config.pbx.realtime,
      client,
      log: log.child({ module: 'callcontrol' }),
      onCalls: (ids) => this.changed(ids),
      onLive: (live) => {
        if (!live) options.onLost();
        options.onChanged();
      },
      onFatal: options.onFatal,
      ...(options.pingMs !== undefined ? { pingMs: options.pingMs, pongTimeoutMs: options.pingMs } : {}),
    });
    this.live = new LiveCalls({
      source: this.source,
      calls,
      log,
      directory: options.directory,
      readActiveCalls: options.readActiveCalls,
      onEvents: (events) => {
        options.onEvents(events);
        options.onChanged();
      },
    });
  }

  start(): void {
    this.source.start();
  }

  stop(): void {
    this.source.stop();
    if (this.pendingFlush) clearImmediate(this.pendingFlush);
  }

  /** `realtime` of `<b>/pbx`. */
  get state(): 'off' | 'live' | 'polling' {
    return !this.source.enabled ? 'off' : this.source.live ? 'live' : 'polling';
  }

  /** Per DN, what the live view shows, while it is live. */
  activity(): LiveActivity | undefined {
    return this.source.live ? this.source.view.activity() : undefined;
  }

  /** The PBX calls a poll must leave to the live view. */
  get followed(): ReadonlySet<number> {
    return this.live.followed;
  }

  /** Applies changes deferred while calls were not tracked (before each poll's observe). */
  flushDeferred(): void {
    this.live.flush();
  }

  /** The calls poll's interval: slower, as a consistency check, while Call Control sees every DN live. */
  callsInterval(normalMs: number, snapshot: PbxSnapshot): number {
    const monitored = this.source.view.monitored;
    const all =
      this.source.live &&
      (snapshot.extensions ?? []).every((e) => monitored.has(e.number)) &&
      (snapshot.queues ?? []).every((q) => monitored.has(q.number));
    return all ? normalMs * LIVE_POLL_FACTOR : normalMs;
  }

  /** For commands: Call Control while its websocket is live. */
  readonly port = {
    live: () => this.source.live,
    participantOf: (pbxCallId: number) => this.source.view.participantOf(pbxCallId),
  };

  /** A burst of events (one TCP read can carry hundreds) is applied as one change, not hundreds. */
  private changed(ids: ReadonlySet<number>): void {
    for (const id of ids) this.dirty.add(id);
    if (this.pendingFlush) return;
    this.pendingFlush = setImmediate(() => {
      this.pendingFlush = undefined;
      const dirty = new Set(this.dirty);
      this.dirty.clear();
      this.live.changed(dirty);
      this.options.onChanged();
    });
  }
}
