// The database schema: migrations in code, applied in order, each in one transaction; `user_version` says how far.
import type Database from 'better-sqlite3';

/** Each entry moves the schema one version up; never edit a released one, append. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE calls (
     id TEXT PRIMARY KEY,
     pbx_call_ids TEXT NOT NULL,
     main_call_history_id TEXT UNIQUE,
     direction TEXT NOT NULL,
     caller_number TEXT, caller_name TEXT, called_number TEXT, called_name TEXT, agent TEXT,
     status TEXT NOT NULL,
     outcome TEXT,
     started_at TEXT NOT NULL,
     answered_at TEXT,
     ended_at TEXT,
     duration INTEGER,
     vip INTEGER NOT NULL DEFAULT 0,
     recording_id INTEGER,
     recording_url TEXT,
     source TEXT NOT NULL,
     start_day TEXT NOT NULL,
     end_day TEXT
   );
   CREATE INDEX calls_by_start_day ON calls (start_day);
   CREATE INDEX calls_by_end_day ON calls (end_day, outcome);
   CREATE INDEX calls_by_ended_at ON calls (ended_at);`,
  // Where the caller number came from: the call log wins over the CRM webhook (never the other way round).
  `ALTER TABLE calls ADD COLUMN caller_source TEXT;`,
];

/** Moves the database up to the newest schema; refuses one from a newer release. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the database is from a newer 3cx2mqtt (schema ${current}, this version knows ${MIGRATIONS.length})`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
