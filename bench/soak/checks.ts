// The soak's end checks as pure functions: the simulator's calls against the gateway's rows, the day's counters,
// problems in the gateway's logs, and RSS growth. Tested in test/bench/soak.test.ts.

/** One entry of the simulator's GET /sim/calls/history (the fields the checks read). */
export interface SimCallEntry {
  pbx_call_ids: number[];
  main_call_history_id: string;
  direction: string;
  caller_number: string;
  outcome: string;
  started_at: string;
  ended_at: string;
}

/** One row of the gateway's calls table (the fields the checks read), pbx_call_ids parsed. */
export interface StoredCallRow {
  id: string;
  pbx_call_ids: number[];
  main_call_history_id: string | null;
  direction: string;
  caller_number: string | null;
  status: string;
  outcome: string | null;
  started_at: string;
  ended_at: string | null;
}

export interface CallComparison {
  calls_expected: number;
  /** Simulator calls found in the database (at least once). */
  calls_stored: number;
  /** Extra rows for calls already stored once (a call counted twice). */
  calls_duplicated: number;
  /** Simulator calls that share a row with another (two calls taken for one: one of them is lost). */
  calls_merged: number;
  calls_wrong_outcome: number;
  calls_wrong_direction: number;
  calls_wrong_caller: number;
  /** Rows that match no simulator call. */
  calls_unknown: number;
  /** Rows still not ended. */
  calls_open: number;
  /** Up to 10 examples of each kind of mismatch, for the log. */
  examples: string[];
}

/**
 * Matches each simulator call to the rows that stand for it: the row with its MainCallHistoryId, and every row
 * seen under one of its ActiveCalls Ids (the gateway folds queue and ring-group legs into one row, so one row may
 * carry several Ids; the simulator keeps one Id per call, unique for its run).
 */
export function compareCalls(
  expected: readonly SimCallEntry[],
  rows: readonly StoredCallRow[],
): CallComparison {
  const byMain = new Map<string, StoredCallRow[]>();
  const byPbxId = new Map<number, StoredCallRow[]>();
  const add = <K>(map: Map<K, StoredCallRow[]>, key: K, row: StoredCallRow) =>
    map.set(key, [...(map.get(key) ?? []), row]);
  for (const row of rows) {
    if (row.main_call_history_id) add(byMain, row.main_call_history_id, row);
    for (const id of row.pbx_call_ids) add(byPbxId, id, row);
  }
  const matched = new Set<string>();
  const callsPerRow = new Map<string, number>();
  const result: CallComparison = {
    calls_expected: expected.length,
    calls_stored: 0,
    calls_duplicated: 0,
    calls_merged: 0,
    calls_wrong_outcome: 0,
    calls_wrong_direction: 0,
    calls_wrong_caller: 0,
    calls_unknown: 0,
    calls_open: 0,
    examples: [],
  };
  const example = (text: string) => {
    if (result.examples.length < 30) result.examples.push(text);
  };
  for (const call of expected) {
    const found = new Map<string, StoredCallRow>();
    for (const row of byMain.get(call.main_call_history_id) ?? []) found.set(row.id, row);
    for (const id of call.pbx_call_ids) for (const row of byPbxId.get(id) ?? []) found.set(row.id, row);
    const label = `call ${call.pbx_call_ids.join('+')} (${call.main_call_history_id}, ${call.direction} from ${call.caller_number})`;
    if (found.size === 0) {
      example(`missing: ${label}`);
      continue;
    }
    result.calls_stored++;
    result.calls_duplicated += found.size - 1;
    if (found.size > 1) example(`duplicated: ${label} as rows ${[...found.keys()].join(', ')}`);
    const row = [...found.values()][0]!;
    for (const id of found.keys()) {
      matched.add(id);
      callsPerRow.set(id, (callsPerRow.get(id) ?? 0) + 1);
    }
    if (row.outcome !== call.outcome) {
      result.calls_wrong_outcome++;
      example(`outcome ${row.outcome}, simulator ${call.outcome}: ${label} row ${row.id}`);
    }
    if (row.direction !== call.direction) {
      result.calls_wrong_direction++;
      example(`direction ${row.direction}, simulator ${call.direction}: ${label} row ${row.id}`);
    }
    if (row.caller_number !== call.caller_number) {
      result.calls_wrong_caller++;
      example(`caller ${row.caller_number}, simulator ${call.caller_number}: ${label} row ${row.id}`);
    }
  }
  for (const [id, calls] of callsPerRow)
    if (calls > 1) {
      result.calls_merged += calls - 1;
      example(`merged: ${calls} simulator calls in row ${id}`);
    }
  for (const row of rows) {
    if (row.status !== 'ended' || row.ended_at === null) result.calls_open++;
    if (!matched.has(row.id)) {
      result.calls_unknown++;
      example(`unknown row ${row.id} (${row.pbx_call_ids.join('+')}, ${row.main_call_history_id})`);
    }
  }
  return result;
}

/** The day's counters as the gateway defines them: calls that started on the day, missed ones that ended on it. */
export function tallyDay(
  calls: readonly Pick<SimCallEntry, 'outcome' | 'started_at' | 'ended_at'>[],
  day: string,
): { total: number; missed: number } {
  const dayOf = (iso: string) => iso.slice(0, 10); // the soak's gateway counts days in UTC
  return {
    total: calls.filter((c) => dayOf(c.started_at) === day).length,
    missed: calls.filter(
      (c) => (c.outcome === 'missed' || c.outcome === 'voicemail') && dayOf(c.ended_at) === day,
    ).length,
  };
}

export interface LogProblems {
  /** Fatal log lines, uncaught exceptions and exits the soak did not cause. */
  crashes: number;
  unhandled_rejections: number;
  /** Log lines at level error (50), which a healthy gateway under chaos may write; not a failure by itself. */
  errors: number;
  examples: string[];
}

/**
 * Reads one gateway process's log (pino JSON lines, plus whatever Node prints on its way out) and how it ended.
 * `killedBySoak`: the soak sent the SIGKILL or SIGINT that ended it (or it still runs).
 */
export function logProblems(log: string, killedBySoak: boolean, exitCode: number | null): LogProblems {
  const problems: LogProblems = { crashes: 0, unhandled_rejections: 0, errors: 0, examples: [] };
  const note = (line: string) => {
    if (problems.examples.length < 10) problems.examples.push(line.slice(0, 300));
  };
  for (const line of log.split('\n')) {
    if (/UnhandledPromiseRejection|unhandledRejection|fromPromise \*\//.test(line)) {
      problems.unhandled_rejections++;
      note(line);
      continue;
    }
    if (/^Uncaught|uncaughtException|triggerUncaughtException\(err, false/.test(line)) {
      problems.crashes++;
      note(line);
      continue;
    }
    const level = /^\{"level":(\d+)/.exec(line)?.[1];
    if (level === '60') {
      problems.crashes++;
      note(line);
    } else if (level === '50') problems.errors++;
  }
  // A process that ended on its own with a failure, without a line saying so, crashed too.
  if (!killedBySoak && exitCode !== 0 && problems.crashes === 0 && problems.unhandled_rejections === 0) {
    problems.crashes++;
    note(`exited with code ${exitCode}`);
  }
  return problems;
}

/** Least-squares slope of RSS samples ([epoch ms, MB]), in MB per hour; null with fewer than two samples. */
export function rssGrowthPerHour(samples: readonly [number, number][]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const meanT = samples.reduce((s, [t]) => s + t, 0) / n;
  const meanM = samples.reduce((s, [, m]) => s + m, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, m] of samples) {
    num += (t - meanT) * (m - meanM);
    den += (t - meanT) ** 2;
  }
  return den === 0 ? null : (num / den) * 3_600_000;
}
