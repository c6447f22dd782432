import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';

// What differs between storage engines is declared here, once; the rest of the
// code talks to Kysely and never branches on the engine's name.
export interface BackendProfile {
  name: 'sqlite' | 'postgres';
  /** SQLite has one writer, so a plain UPDATE … RETURNING claims a job atomically;
   * Postgres needs FOR UPDATE SKIP LOCKED to let several schedulers claim in parallel. */
  claimNeedsSkipLocked: boolean;
}

export interface Store {
  db: Kysely<Database>;
  profile: BackendProfile;
  close(): Promise<void>;
}

export function openSqlite(path: string): Store {
  const sqlite = new Sqlite(path);
  // WAL: readers never block the writer, and a crash loses at most the
  // transaction in flight. synchronous=NORMAL is durable under WAL except on
  // power loss, where the last commits may roll back — never corrupt.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    profile: { name: 'sqlite', claimNeedsSkipLocked: false },
    close: () => db.destroy(),
  };
}
