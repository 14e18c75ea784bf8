// A polling loop: runs a task every interval, never overlapping, backing off exponentially with jitter on failure.

export interface PollerOptions {
  name: string;
  /** A fixed interval, or one chosen before each wait (faster while there is something to resolve). */
  intervalMs: number | (() => number);
  maxBackoffMs?: number;
  task: () => Promise<void>;
  onSuccess: () => void;
  onFailure: (error: unknown) => void;
  random?: () => number;
}

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

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), delayMs);
  }

  /** Runs now (used at start-up and by tests); resolves when the run ends. */
  async run(): Promise<void> {
    if (this.running) return this.running;
    clearTimeout(this.timer);
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
        this.schedule(this.nextDelay());
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
