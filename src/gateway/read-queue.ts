// Reads waiting to be made, at most a few at once, one per key: a burst of Call Control upserts (a thousand calls
// starting) must not open a thousand requests to the PBX, and a participant changed twice is read once.

export class ReadQueue<K> {
  private readonly waiting = new Map<K, string>();
  private inFlight = 0;

  constructor(
    private readonly run: (key: K, at: string) => Promise<void>,
    private readonly maxInFlight: number,
  ) {}

  /** Reads waiting (not yet started). */
  get size(): number {
    return this.waiting.size;
  }

  add(key: K, at: string): void {
    this.waiting.set(key, at);
    this.pump();
  }

  delete(key: K): void {
    this.waiting.delete(key);
  }

  clear(): void {
    this.waiting.clear();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight) {
      const next = this.waiting.entries().next();
      if (next.done) return;
      const [key, at] = next.value;
      this.waiting.delete(key);
      this.inFlight++;
      void this.run(key, at).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }
}
