// The log of requests the simulated PBX received (GET /sim/requests): a bounded ring, and counts per endpoint
// (GET /sim/requests/summary) so a benchmark need not download every entry.
import type { FaultMode } from './faults.ts';

export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  fault?: FaultMode;
}

export interface EndpointCount {
  method: string;
  /** The path with ids replaced by {Id}: `/xapi/v1/Users({Id})`, `/callcontrol/{Id}/participants/{Id}`. */
  endpoint: string;
  count: number;
  /** Requests by answered status (0: reset or hung). */
  statuses: Record<string, number>;
}

/** Ids in a path: OData keys and function arguments in parentheses, and numbers or device ids as segments. */
export function endpointOf(path: string): string {
  return path
    .replace(/\([^)]*\)/g, '({Id})')
    .split('/')
    .map((segment, i, all) =>
      all[1] === 'callcontrol' && i >= 2 && !/^[a-z_]+$/.test(segment) ? '{Id}' : segment,
    )
    .join('/');
}

export class RequestLog {
  private readonly ring: (RequestLogEntry | undefined)[];
  private start = 0;
  private size = 0;
  private lastSeq = 0;

  constructor(readonly limit: number) {
    this.ring = new Array<RequestLogEntry | undefined>(limit);
  }

  get seq(): number {
    return this.lastSeq;
  }

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    const full = { seq: ++this.lastSeq, ...entry };
    this.ring[(this.start + this.size) % this.limit] = full;
    if (this.size < this.limit) this.size++;
    else this.start = (this.start + 1) % this.limit;
  }

  /** Entries after sequence number `since`, oldest first. */
  after(since: number): RequestLogEntry[] {
    const out: RequestLogEntry[] = [];
    for (let i = 0; i < this.size; i++) {
      const entry = this.ring[(this.start + i) % this.limit]!;
      if (entry.seq > since) out.push(entry);
    }
    return out;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.size = 0;
  }

  /** Counts by method and endpoint of the entries `keep` selects, most requested first. */
  summary(keep: (entry: RequestLogEntry) => boolean): EndpointCount[] {
    const counts = new Map<string, EndpointCount>();
    for (let i = 0; i < this.size; i++) {
      const entry = this.ring[(this.start + i) % this.limit]!;
      if (!keep(entry)) continue;
      const endpoint = endpointOf(entry.path);
      const key = `${entry.method} ${endpoint}`;
      let count = counts.get(key);
      if (!count) counts.set(key, (count = { method: entry.method, endpoint, count: 0, statuses: {} }));
      count.count++;
      count.statuses[entry.status] = (count.statuses[entry.status] ?? 0) + 1;
    }
    return [...counts.values()].sort((a, b) => b.count - a.count || a.endpoint.localeCompare(b.endpoint));
  }
}
