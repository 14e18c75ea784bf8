// The SQLite database: WAL, prepared statements, and the queries for calls and counters (schema in schema.ts).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './schema.ts';
import { fromRow, toParams, type CallRow, type StoredCall } from './stored-call.ts';

export class CallStore {
  private readonly db: Database.Database;
  /** Moves on every write to calls, so readers can cache what they derived from them. */
  generation = 0;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  /** Each statement is prepared once: preparing costs more than running one. */
  private readonly statements = new Map<string, Database.Statement>();
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  getMeta(key: string): string | undefined {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  get lifetimeCalls(): number {
    return Number(this.getMeta('calls_lifetime') ?? 0);
  }

  /**
   * Runs `work` in one transaction: a poll's writes commit together (one commit instead of one per call; each
   * commit writes every touched page of the table and its indexes to the WAL). Nested batches join the outer one.
   */
  batch<T>(work: () => T): T {
    return this.db.inTransaction ? work() : this.db.transaction(work)();
  }

  /** Stores a call once; returns false when it was already there (so it is never counted twice). */
  insertCall(call: StoredCall): boolean {
    // One transaction: the row and the lifetime counter move together (a crash between them cannot skew it).
    this.insertTransaction ??= this.db.transaction((row: StoredCall): boolean => {
      const result = this.sql(
        `INSERT OR IGNORE INTO calls (id, pbx_call_ids, main_call_history_id, direction, caller_number, caller_name,
             called_number, called_name, agent, status, outcome, started_at, answered_at, ended_at, duration, vip,
             recording_url, source, caller_source, start_day, end_day)
           VALUES (@id, @pbx_call_ids, @main_call_history_id, @direction, @caller_number, @caller_name, @called_number,
             @called_name, @agent, @status, @outcome, @started_at, @answered_at, @ended_at, @duration, @vip,
             @recording_url, @source, @caller_source, @start_day, @end_day)`,
      ).run(toParams(row));
      if (result.changes === 0) return false;
      this.sql(
        `INSERT INTO meta (key, value) VALUES ('calls_lifetime', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
      ).run();
      this.generation++;
      return true;
    });
    return this.insertTransaction(call);
  }

  private insertTransaction?: (call: StoredCall) => boolean;

  updateCall(call: StoredCall): void {
    this.generation++;
    this.sql(
      `UPDATE calls SET pbx_call_ids = @pbx_call_ids, main_call_history_id = COALESCE(@main_call_history_id, main_call_history_id),
           direction = @direction, caller_number = @caller_number, caller_name = @caller_name, caller_source = @caller_source,
           called_number = @called_number,
           called_name = @called_name, agent = @agent, status = @status, outcome = @outcome, answered_at = @answered_at,
           ended_at = @ended_at, duration = @duration, vip = @vip, recording_url = @recording_url, end_day = @end_day
         WHERE id = @id`,
    ).run(toParams(call));
  }

  getCall(id: string): StoredCall | undefined {
    const row = this.sql('SELECT * FROM calls WHERE id = ?').get(id) as CallRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  byMainCallHistoryId(mainId: string): StoredCall | undefined {
    const row = this.sql('SELECT * FROM calls WHERE main_call_history_id = ?').get(mainId) as
      CallRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Calls that were seen under a PBX call Id, ran at some time between `from` and `to` and started after
   * `earliestStart` (epoch ms).
   */
  byPbxCallId(pbxCallId: number, from: number, to: number, earliestStart: number): StoredCall | undefined {
    const iso = (ms: number) => new Date(ms).toISOString();
    const rows = this.sql(
      `SELECT calls.* FROM calls, json_each(calls.pbx_call_ids) AS ids
         WHERE ids.value = ? AND started_at BETWEEN ? AND ? AND (ended_at IS NULL OR ended_at >= ?)`,
    ).all(pbxCallId, iso(earliestStart), iso(to), iso(from)) as CallRow[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** The earliest start (epoch ms) of the calls that ended at or after `endedAfter`; undefined when none did. */
  earliestStartEndedAfter(endedAfter: number): number | undefined {
    const row = this.sql('SELECT MIN(started_at) AS first FROM calls WHERE ended_at >= ?').get(
      new Date(endedAfter).toISOString(),
    ) as { first: string | null };
    return row.first ? Date.parse(row.first) : undefined;
  }

  openCalls(): StoredCall[] {
    return (
      this.sql('SELECT * FROM calls WHERE ended_at IS NULL ORDER BY started_at').all() as CallRow[]
    ).map(fromRow);
  }

  /** total: calls that started on the day; missed: missed calls that ended on it. */
  countsForDay(day: string): { total: number; missed: number } {
    const total = (this.sql('SELECT COUNT(*) AS n FROM calls WHERE start_day = ?').get(day) as { n: number })
      .n;
    const missed = (
      this.sql(
        "SELECT COUNT(*) AS n FROM calls WHERE end_day = ? AND outcome IN ('missed', 'voicemail')",
      ).get(day) as { n: number }
    ).n;
    return { total, missed };
  }

  recentCalls(limit: number, missedOnly = false): StoredCall[] {
    if (limit <= 0) return [];
    const where = missedOnly ? "AND outcome IN ('missed', 'voicemail')" : '';
    return (
      this.sql(
        `SELECT * FROM calls WHERE ended_at IS NOT NULL ${where} ORDER BY ended_at DESC, id DESC LIMIT ?`,
      ).all(limit) as CallRow[]
    ).map(fromRow);
  }

  /** Ended calls in [from, to), newest first, for the HTTP API. */
  history(options: {
    from?: string;
    to?: string;
    missed?: boolean;
    limit: number;
    offset?: number;
  }): StoredCall[] {
    const conditions = ['ended_at IS NOT NULL'];
    const params: unknown[] = [];
    if (options.from) {
      conditions.push('started_at >= ?');
      params.push(options.from);
    }
    if (options.to) {
      conditions.push('started_at < ?');
      params.push(options.to);
    }
    if (options.missed) conditions.push("outcome IN ('missed', 'voicemail')");
    params.push(options.limit, options.offset ?? 0);
    return (
      this.sql(
        `SELECT * FROM calls WHERE ${conditions.join(' AND ')} ORDER BY started_at DESC LIMIT ? OFFSET ?`,
      ).all(...params) as CallRow[]
    ).map(fromRow);
  }

  /** Deletes ended calls older than the retention; the lifetime counter is kept. */
  purgeEndedBefore(iso: string): number {
    this.generation++;
    return this.sql('DELETE FROM calls WHERE ended_at IS NOT NULL AND ended_at < ?').run(iso).changes;
  }
}
