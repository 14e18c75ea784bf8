// What a benchmark run measures and for how long: the full run (issue 14's scales) or --quick (reduced).

export interface BenchSettings {
  mode: 'full' | 'quick';
  /** The idle and latency scenarios: extensions, ring groups and queues (50 + 20, as for the old binding). */
  small: { extensions: number; ringGroups: number; queues: number };
  /** The scale scenario: extensions and held calls. */
  large: { extensions: number; calls: number };
  idleWindowMs: number;
  sseIdleWindowMs: number;
  oldBindingWindowMs: number;
  latencyEvents: number;
  latencyLanes: number;
  /** polling.presence of the directory scenario, and how many directory polls to measure. */
  directoryInterval: string;
  directoryPolls: number;
  callsPolls: number;
  /** At most this long for the calls polls (one took 14 s of CPU at 10,000 extensions at the baseline). */
  callsBudgetMs: number;
  /** How long the scale gateway runs before RSS is read (issue 14: 5 minutes). */
  scaleRunMs: number;
  sseScaleWindowMs: number;
  apiStateRequests: number;
  /** Also time one /metrics scrape at scale (it builds the same snapshot as /api/state, several times). */
  metricsScrape: boolean;
  sqliteInserts: number;
  sqliteRuns: number;
}

export const FULL: BenchSettings = {
  mode: 'full',
  small: { extensions: 1000, ringGroups: 50, queues: 20 },
  large: { extensions: 10_000, calls: 1000 },
  idleWindowMs: 60_000,
  sseIdleWindowMs: 20_000,
  oldBindingWindowMs: 60_000,
  latencyEvents: 200,
  latencyLanes: 10,
  directoryInterval: '10s',
  directoryPolls: 3,
  callsPolls: 3,
  callsBudgetMs: 180_000,
  scaleRunMs: 300_000,
  sseScaleWindowMs: 60_000,
  apiStateRequests: 2,
  metricsScrape: true,
  sqliteInserts: 10_000,
  sqliteRuns: 3,
};

/** Issue 14's reduced run: 2,000 extensions (the 1,000 calls kept), fewer samples; the idle minute stays. */
export const QUICK: BenchSettings = {
  ...FULL,
  mode: 'quick',
  large: { extensions: 2000, calls: 1000 },
  sseIdleWindowMs: 10_000,
  latencyEvents: 100,
  latencyLanes: 8,
  directoryInterval: '5s',
  directoryPolls: 1,
  callsPolls: 2,
  callsBudgetMs: 25_000,
  scaleRunMs: 45_000,
  sseScaleWindowMs: 15_000,
  metricsScrape: false,
  sqliteInserts: 3000,
};
