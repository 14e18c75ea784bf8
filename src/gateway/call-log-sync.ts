// Reads the call log: every 30 s, at once when a trunk call's caller is to be looked up or a call ended while the
// gateway was down, then every 2 s while a caller is wanted soon (bounded by CALLER_LOOKUP). Also releases held
// end events when their wait is over.
import type { CallEvent } from '../domain/call.ts';
import type { Logger } from '../log.ts';
import { fetchCallLog } from '../pbx/call-log.ts';
import type { PbxClient } from '../pbx/client.ts';
import type { CallService } from './call-service.ts';
import { Poller } from './poller.ts';

export interface CallLogSyncOptions {
  client: PbxClient;
  calls: CallService;
  log: Logger;
  intervalMs: number;
  /** Calls are tracked (directory and trunks known): before that there is nothing to match rows to. */
  tracking: () => boolean;
  /** Events found, and the state to publish again. */
  onEvents: (events: readonly CallEvent[]) => void;
  now: () => number;
}

export class CallLogSync {
  private readonly poller: Poller;
  private failing = false;
  private releaseTimer?: NodeJS.Timeout;

  constructor(private readonly options: CallLogSyncOptions) {
    const { log, calls } = options;
    this.poller = new Poller({
      name: 'calllog',
      intervalMs: () => calls.callLogInterval(options.intervalMs),
      task: () => this.sync(),
      onSuccess: () => {
        if (this.failing) log.info('call log readable again');
        this.failing = false;
      },
      // The call log needs the Reports role; its failures never make the PBX "unreachable".
      onFailure: (error) => {
        if (!this.failing)
          log.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'reading the call log failed',
          );
        this.failing = true;
      },
    });
  }

  start(delayMs: number): void {
    this.poller.start(delayMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.releaseTimer);
    await this.poller.stop();
  }

  /** After a calls poll: reads at once when the call service wants it, and keeps the release timer right. */
  afterCallsPoll(): void {
    if (this.options.calls.takeCallLogRequest()) void this.poller.run();
    this.scheduleRelease();
  }

  private async sync(): Promise<void> {
    if (!this.options.tracking()) return;
    const { calls, client } = this.options;
    const { from, to } = calls.syncWindow();
    this.options.onEvents(calls.applyCallLog(await fetchCallLog(client, from, to)));
    this.scheduleRelease();
  }

  private scheduleRelease(): void {
    clearTimeout(this.releaseTimer);
    const due = this.options.calls.nextRelease;
    if (due === undefined) return;
    this.releaseTimer = setTimeout(
      () => {
        this.options.onEvents(this.options.calls.releaseHeld());
        this.scheduleRelease();
      },
      Math.max(0, due - this.options.now()),
    );
  }
}
