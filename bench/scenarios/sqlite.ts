// Call records per second through the store's own API, in this process, into a fresh WAL database file per run:
// as the gateway writes them (CallStore.batch around a poll's inserts, 100 calls a batch here) and one call per
// transaction (a poll that starts one call).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallStore } from '../../src/store/database.ts';
import type { StoredCall } from '../../src/store/stored-call.ts';
import type { BenchContext } from '../context.ts';
import { now } from '../lib/clock.ts';
import { median } from '../lib/stats.ts';

function endedCall(index: number): StoredCall {
  const started = Date.UTC(2026, 0, 1) + index * 60_000;
  return {
    id: `bench-${index}`,
    pbx_call_ids: [100_000 + index],
    main_call_history_id: `history-${index}`,
    direction: 'inbound',
    caller_number: `+4930777${String(index).padStart(6, '0')}`,
    caller_name: 'Bench Caller',
    called_number: String(100 + (index % 1000)),
    called_name: 'Anna Berg',
    agent: String(100 + (index % 1000)),
    status: 'ended',
    outcome: index % 4 === 0 ? 'missed' : 'answered',
    started_at: new Date(started).toISOString(),
    answered_at: new Date(started + 5000).toISOString(),
    ended_at: new Date(started + 65_000).toISOString(),
    duration: 60,
    vip: false,
    recording_url: null,
    source: 'poll',
    caller_source: 'pbx',
    start_day: new Date(started).toISOString().slice(0, 10),
    end_day: new Date(started + 65_000).toISOString().slice(0, 10),
  };
}

const BATCH = 100;

/** Inserts per second into a fresh store, `perBatch` calls in each transaction. */
function insertRate(count: number, perBatch: number): number {
  const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-bench-db-'));
  const store = new CallStore(join(dir, 'calls.db'));
  try {
    const calls = Array.from({ length: count }, (_, i) => endedCall(i));
    const started = now();
    for (let i = 0; i < calls.length; i += perBatch) {
      const batch = calls.slice(i, i + perBatch);
      store.batch(() => {
        for (const call of batch) store.insertCall(call);
      });
    }
    return count / ((now() - started) / 1000);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function sqliteScenario(ctx: BenchContext): void {
  const { sqliteInserts, sqliteRuns } = ctx.settings;
  const batched: number[] = [];
  const single: number[] = [];
  for (let run = 0; run < sqliteRuns; run++) {
    batched.push(insertRate(sqliteInserts, BATCH));
    single.push(insertRate(sqliteInserts, 1));
  }
  ctx.figures.sqlite_inserts_per_s = median(batched);
  ctx.figures.sqlite_inserts_per_s_single = median(single);
  ctx.raw.sqlite = { inserts_per_run: sqliteInserts, batch: BATCH, batched, single };
}
