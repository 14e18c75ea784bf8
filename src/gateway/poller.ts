// A polling loop: starts a task every interval (start to start, so a poll's own time does not stretch the period),
// never overlapping, backing off exponentially with jitter on failure.

export interface PollerOptions {
  name: string;
  /** A fixed interval, or one chosen before each wait (faster while there is something to resolve). */
  intervalMs: number | (() => number);
  maxBackoffMs?: number;
  task: () => Promise<void>;
  onSuccess: () => void;
  onFailure: (error: unknown) => void;
  random?: () => number;
  /** The clock for the poll's own duration (tests). */
  now?: () => number;
}

/** The least pause between two polls, as a share of the interval: a poll slower than its interval cannot spin. */
const MIN_GAP_SHARE = 0.1;

export class Poller {
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: PollerOptions) {}

  start(delayMs = 0): void {
    this.schedule(delayMs);
  }

  /** The delay before the next run: the interval, or after n failures interval·2^n capped, ±20 % jitter. */
  nextDelay(): number {
    const { maxBackoffMs = 60_000 } = this.options;
    const intervalMs =
      typeof this.options.intervalMs === 'function' ? this.options.intervalMs() : this.options.intervalMs;
    if (this.failures === 0) return intervalMs;
    const backoff = Math.min(Math.max(maxBackoffMs, intervalMs), intervalMs * 2 ** this.failures);
    const jitter = 0.8 + 0.4 * (this.options.random ?? Math.random)();
    return Math.round(backoff * jitter);
  }

  /**
   * The wait after a run that took `elapsedMs`: after a success the rest of the interval (so polls start one
   * interval apart and an event waits at most one interval), never less than a tenth of it; after a failure the
   * whole backoff.
   */
  delayAfter(elapsedMs: number): number {
    const delay = this.nextDelay();
    if (this.failures > 0) return delay;
    return Math.max(Math.round(delay * MIN_GAP_SHARE), delay - Math.max(0, elapsedMs));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), delayMs);
  }

  /** Runs now (used at start-up and by tests); resolves when the run ends. */
  async run(): Promise<void> {
    if (this.running) return this.running;
    clearTimeout(this.timer);
    const now = this.options.now ?? Date.now;
    const startedAt = now();
    this.running = (async () => {
      try {
        await this.options.task();
        this.failures = 0;
        this.options.onSuccess();
      } catch (error) {
        this.failures++;
        this.options.onFailure(error);
      } finally {
        this.running = undefined;
        this.schedule(this.delayAfter(now() - startedAt));
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
