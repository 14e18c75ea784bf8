// The benchmark's output: a human table (figure, measured, target, verdict), the JSON line, the results files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Figure } from './context.ts';
import { round } from './lib/stats.ts';

interface Row {
  key: string;
  scenario: string;
  figure: string;
  unit: string;
  /** Issue 14/17 target, as text, and whether a value meets it. */
  target?: string;
  meets?: (value: number, figures: Record<string, Figure>) => boolean;
  /** Left out of the table when not measured (a context figure, or one only some modes measure). */
  optional?: boolean;
}

const num = (value: Figure | undefined) => (typeof value === 'number' ? value : null);

export function rows(small: number, large: number, calls: number): Row[] {
  const big = `${large.toLocaleString('en')} ext + ${calls.toLocaleString('en')} calls`;
  return [
    {
      key: 'latency_poll_ms_p50',
      scenario: `${small} ext, polling.calls 1s`,
      figure: 'change → MQTT, p50',
      unit: 'ms',
    },
    {
      key: 'latency_poll_ms_p99',
      scenario: `${small} ext, polling.calls 1s`,
      figure: 'change → MQTT, p99',
      unit: 'ms',
      target: '< interval + 20',
      meets: (v, f) => v < (num(f.poll_interval_ms) ?? 0) + 20,
    },
    {
      key: 'calls_poll_period_ms',
      scenario: `${small} ext, polling.calls 1s`,
      figure: 'calls poll period (start to start)',
      unit: 'ms',
      optional: true,
    },
    {
      key: 'latency_realtime_ms_p50',
      scenario: 'Call Control websocket',
      figure: 'change → MQTT, p50',
      unit: 'ms',
    },
    {
      key: 'latency_realtime_ms_p99',
      scenario: 'Call Control websocket',
      figure: 'change → MQTT, p99',
      unit: 'ms',
      target: '< 20',
      meets: (v) => v < 20,
    },
    {
      key: 'idle_publishes_per_min',
      scenario: `${small} ext, nothing changing`,
      figure: 'MQTT messages',
      unit: '/min',
      target: '0',
      meets: (v) => v === 0,
    },
    {
      key: 'pbx_requests_per_min_idle',
      scenario: `${small} ext, default intervals`,
      figure: 'PBX requests',
      unit: '/min',
    },
    {
      key: 'pbx_requests_per_min_old_binding',
      scenario: 'old binding, 50 RG + 20 Q',
      figure: 'PBX requests',
      unit: '/min',
    },
    {
      key: 'idle_cpu_ms_per_min_1k',
      scenario: `${small} ext, nothing changing`,
      figure: 'gateway CPU',
      unit: 'ms/min',
    },
    { key: 'api_state_kb_1k', scenario: `${small} ext`, figure: '/api/state size', unit: 'KB' },
    { key: 'api_state_ms_1k', scenario: `${small} ext`, figure: '/api/state time', unit: 'ms' },
    {
      key: 'sse_bytes_per_min_idle_1k',
      scenario: `${small} ext, nothing changing`,
      figure: 'SSE to one dashboard',
      unit: 'B/min',
      target: '< 50 KB/min',
      meets: (v) => v < 50 * 1024,
    },
    {
      key: 'sse_state_events_per_min_idle_1k',
      scenario: `${small} ext, nothing changing`,
      figure: 'SSE state snapshots',
      unit: '/min',
      optional: true,
    },
    { key: 'api_state_kb_10k', scenario: big, figure: '/api/state size', unit: 'KB' },
    {
      key: 'api_state_ms_10k',
      scenario: big,
      figure: '/api/state time',
      unit: 'ms',
      target: '< 100',
      meets: (v) => v < 100,
    },
    {
      key: 'metrics_ms_10k',
      scenario: big,
      figure: '/metrics scrape time',
      unit: 'ms',
      optional: true,
    },
    {
      key: 'sse_bytes_per_min_10k',
      scenario: `${big}, no change`,
      figure: 'SSE to one dashboard',
      unit: 'B/min',
      target: '< 50 KB/min',
      meets: (v) => v < 50 * 1024,
    },
    {
      key: 'active_calls_cpu_ms_1k',
      scenario: `${big}, polling.calls 1s`,
      figure: 'CPU per calls poll',
      unit: 'ms',
      target: '< 20',
      meets: (v) => v < 20,
    },
    {
      key: 'calls_polls_per_min_1k',
      scenario: `${big}, polling.calls 1s`,
      figure: 'calls polls',
      unit: '/min',
    },
    {
      key: 'active_calls_cpu_ms_1k_2k',
      scenario: '2,000 ext + 1,000 calls, polling.calls 1s',
      figure: 'CPU per calls poll',
      unit: 'ms',
      target: '< 20',
      meets: (v) => v < 20,
      optional: true,
    },
    {
      key: 'poll_cpu_ms_10k',
      scenario: `${large.toLocaleString('en')} ext, polling.presence`,
      figure: 'CPU per directory poll',
      unit: 'ms',
      target: '< 50',
      meets: (v) => v < 50,
    },
    {
      key: 'rss_mb_10k',
      scenario: `${big}, after the run`,
      figure: 'gateway RSS',
      unit: 'MB',
      target: '< 120',
      meets: (v) => v < 120,
    },
    { key: 'rss_peak_mb_10k', scenario: big, figure: 'gateway peak RSS (VmHWM)', unit: 'MB' },
    { key: 'heap_used_mb_10k', scenario: big, figure: 'V8 heap used', unit: 'MB', optional: true },
    {
      key: 'retained_discovery_mb_10k',
      scenario: big,
      figure: 'retained discovery payloads',
      unit: 'MB',
      optional: true,
    },
    {
      key: 'retained_state_mb_10k',
      scenario: big,
      figure: 'retained state payloads',
      unit: 'MB',
      optional: true,
    },
    {
      key: 'rss_mb_10k_no_calls',
      scenario: `${large.toLocaleString('en')} ext, no calls, after the directory polls`,
      figure: 'gateway RSS',
      unit: 'MB',
      optional: true,
    },
    {
      key: 'startup_to_discovery_s_10k',
      scenario: big,
      figure: 'start → all discovery',
      unit: 's',
      target: '< 5',
      meets: (v) => v < 5,
    },
    {
      key: 'startup_to_discovery_s_10k_no_calls',
      scenario: `${large.toLocaleString('en')} ext, no calls`,
      figure: 'start → all discovery',
      unit: 's',
    },
    {
      key: 'gateway_stop_s_max',
      scenario: 'every gateway of the run',
      figure: 'SIGINT → exit, slowest',
      unit: 's',
      target: '< 5 (contract)',
      meets: (v) => v < 5,
      optional: true,
    },
    {
      key: 'sqlite_inserts_per_s',
      scenario: 'CallStore.insertCall',
      figure: 'call records',
      unit: '/s',
      target: '≥ 20,000',
      meets: (v) => v >= 20_000,
    },
    {
      key: 'sim_read_users_ms_10k',
      scenario: `the PBX side: ${large.toLocaleString('en')} users`,
      figure: 'simulator: all Users pages',
      unit: 'ms',
      optional: true,
    },
    {
      key: 'sim_read_active_calls_ms_10k',
      scenario: `the PBX side: ${calls.toLocaleString('en')} calls`,
      figure: 'simulator: all ActiveCalls pages',
      unit: 'ms',
      optional: true,
    },
  ];
}

function formatValue(value: Figure | undefined, unit: string): string {
  if (value === undefined) return 'not measured';
  if (value === null) return 'null';
  if (typeof value !== 'number') return String(value);
  const digits = Math.abs(value) >= 100 || unit === '/min' ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${unit}`;
}

export function table(ctx: BenchContext): string {
  const { settings, figures } = ctx;
  const measured = rows(settings.small.extensions, settings.large.extensions, settings.large.calls).filter(
    (row) => !row.optional || figures[row.key] !== undefined,
  );
  const lines = measured.map((row) => {
    const value = figures[row.key];
    const verdict =
      row.meets && typeof value === 'number'
        ? row.meets(value, figures)
          ? 'meets'
          : 'MISSES'
        : row.target
          ? '-'
          : '';
    return [row.scenario, row.figure, formatValue(value, row.unit), row.target ?? '', verdict];
  });
  const header = ['scenario', 'figure', 'measured', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

/** Figures rounded for the JSON line (ms and counts to 0.1, seconds to 0.01). */
export function jsonFigures(figures: Record<string, Figure>): Record<string, Figure> {
  return Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [
      key,
      typeof value === 'number' ? round(value, /(?<!per)_s(_|$)/.test(key) ? 2 : 1) : value,
    ]),
  );
}

/** bench/results/<stamp>-<mode>.json (figures, small, committed) and results/raw/ (samples, not committed). */
export function writeResults(
  dir: string,
  stamp: string,
  summary: Record<string, unknown>,
  raw: unknown,
): string {
  mkdirSync(join(dir, 'raw'), { recursive: true });
  const file = join(dir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'raw', `${stamp}.json`), `${JSON.stringify(raw)}\n`);
  return file;
}
