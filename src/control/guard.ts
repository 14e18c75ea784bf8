// Guardrails for everything that can place a call: an allowlist of number patterns and a rate limit.

export class NumberAllowlist {
  private readonly patterns: RegExp[];
  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map((p) => new RegExp(p));
  }
  allows(number: string): boolean {
    return this.patterns.some((p) => p.test(number));
  }
}

/** At most `perMinute` call-placing commands in any 60-second window, all kinds together (0 = none at all). */
export class RateLimiter {
  private readonly times: number[] = [];
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot, or answers how long until one frees up. */
  take(): { ok: true } | { ok: false; retryAfterS: number } {
    const now = this.now();
    while (this.times.length > 0 && this.times[0]! <= now - 60_000) this.times.shift();
    if (this.times.length >= this.perMinute) {
      const oldest = this.times[0] ?? now;
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000)) };
    }
    this.times.push(now);
    return { ok: true };
  }
}
