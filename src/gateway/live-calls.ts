// Feeds the calls from the Call Control view: a changed call is observed live; a call whose last visible leg went
// is checked against ActiveCalls once (voicemail or a DN not monitored may still hold it) and ended at once if gone.
import type { CallEvent } from '../domain/call.ts';
import { observationOfRow, type CallObservation } from '../domain/call-observation.ts';
import type { Directory } from '../domain/directory.ts';
import type { ActiveCall } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { CallService } from './call-service.ts';
import type { RealtimeSource } from './realtime.ts';

export interface LiveCallsOptions {
  source: RealtimeSource;
  calls: CallService;
  log: Logger;
  /** The directory for DN kinds, or undefined while calls are not tracked yet (directory or trunks unread). */
  directory: () => Directory | undefined;
  readActiveCalls: () => Promise<ActiveCall[]>;
  onEvents: (events: CallEvent[]) => void;
}

/** How often a failed ActiveCalls check is tried again before the polls decide. */
const MAX_CHECK_RETRIES = 4;

export class LiveCalls {
  /** Calls changed while calls were not tracked yet: applied at the first chance. */
  private readonly deferred = new Set<number>();
  /** Calls whose last visible leg went, to check against ActiveCalls. */
  private readonly gone = new Set<number>();
  private checking?: Promise<void>;
  private failedChecks = 0;
  private retrying = false;

  constructor(private readonly options: LiveCallsOptions) {}

  /** The PBX calls a poll must leave to the live view. */
  get followed(): ReadonlySet<number> {
    return this.options.source.live ? this.options.source.view.callIds() : new Set();
  }

  changed(callIds: ReadonlySet<number>): void {
    const { source, calls } = this.options;
    const directory = this.options.directory();
    if (!directory || !source.live) {
      for (const id of callIds) this.deferred.add(id);
      return;
    }
    const observations: CallObservation[] = [];
    for (const id of [...this.deferred, ...callIds]) {
      const observation = source.view.observation(id);
      if (observation) observations.push(observation);
      else this.gone.add(id);
    }
    this.deferred.clear();
    if (observations.length) this.options.onEvents(calls.observeLive(observations, directory, this.followed));
    if (this.gone.size) this.check();
  }

  /** Applies calls deferred while calls were not tracked (called before each poll's observe). */
  flush(): void {
    if (this.deferred.size) this.changed(new Set());
  }

  private check(): void {
    if (this.checking) return;
    this.checking = this.checkGone().finally(() => {
      this.checking = undefined;
      if (this.gone.size && !this.retrying) this.check(); // more went while ActiveCalls was read
    });
  }

  private async checkGone(): Promise<void> {
    const ids = [...this.gone];
    this.gone.clear();
    let rows: ActiveCall[];
    try {
      rows = await this.options.readActiveCalls();
      this.failedChecks = 0;
    } catch (error) {
      this.options.log.debug(
        { err: (error as Error).message },
        'ActiveCalls read after a Call Control remove failed',
      );
      // Tried again soon (1, 2, 4, 8 s): the polls that would otherwise end these calls run slowly while Call
      // Control is live, and back off after failures, so gone calls would hold their place for a minute. After
      // that the polls decide: the calls are no longer followed live, so two polls without them end them.
      if (this.failedChecks < MAX_CHECK_RETRIES) {
        for (const id of ids) this.gone.add(id);
        if (this.retrying) return;
        this.retrying = true;
        setTimeout(
          () => {
            this.retrying = false;
            if (this.options.source.live && this.gone.size) this.check();
          },
          1000 * 2 ** this.failedChecks++,
        ).unref();
      } else {
        this.failedChecks = 0;
      }
      return;
    }
    const { source, calls } = this.options;
    const directory = this.options.directory();
    if (!directory) return;
    const listed = new Map(rows.map((row) => [row.id, row]));
    const still: CallObservation[] = [];
    const ended: number[] = [];
    for (const id of ids) {
      if (source.view.has(id)) continue; // back in view meanwhile
      const row = listed.get(id);
      if (row) still.push(observationOfRow(row));
      else ended.push(id);
    }
    const events = [
      ...(still.length ? calls.observeLive(still, directory, this.followed) : []),
      ...(ended.length ? calls.endLive(ended) : []),
    ];
    if (events.length || still.length || ended.length) this.options.onEvents(events);
  }
}
