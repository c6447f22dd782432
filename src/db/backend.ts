import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { withStatementCache } from './statement-cache.ts';
import pg from 'pg';
import type { Database } from './schema.ts';

// What differs between storage engines is declared here, once; the rest of the
// code talks to Kysely and never branches on the engine's name.
export interface BackendProfile {
  name: 'sqlite' | 'postgres';
  /** SQLite has one writer, so a plain UPDATE … RETURNING claims a job atomically;
   * Postgres needs FOR UPDATE SKIP LOCKED so that concurrent schedulers neither
   * block on nor double-claim the same row. */
  claimNeedsSkipLocked: boolean;
  /** Column type of an auto-incrementing 64-bit key (SQLite's rowid alias vs. a Postgres sequence). */
  serialKey: 'integer' | 'bigserial';
  /** Embedded SQLite belongs to the one server that holds the data-directory lock;
   * Postgres may be shared by several servers, so only expired leases are orphaned. */
  soleScheduler: boolean;
}

export interface Store {
  db: Kysely<Database>;
  profile: BackendProfile;
  close(): Promise<void>;
}

const SQLITE: BackendProfile = { name: 'sqlite', claimNeedsSkipLocked: false, serialKey: 'integer', soleScheduler: true };
const POSTGRES: BackendProfile = { name: 'postgres', claimNeedsSkipLocked: true, serialKey: 'bigserial', soleScheduler: false };

export function openSqlite(path: string): Store {
  const sqlite = new Sqlite(path);
  // WAL: readers never block the writer, and a crash loses at most the
  // transaction in flight. synchronous=NORMAL is durable under WAL except on
  // power loss, where the last commits may roll back — never corrupt.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, profile: SQLITE, close: () => db.destroy() };
}

// int8 (bigint) columns hold millisecond times and token counts, far below 2^53:
// read them as numbers, as SQLite returns them, instead of pg's default strings.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

export function openPostgres(connectionString: string): Store {
  const pool = new pg.Pool({ connectionString, max: 10, types: pgTypes as pg.CustomTypesConfig });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, profile: POSTGRES, close: () => db.destroy() };
}

/** Postgres when a database URL is configured, else SQLite in the data directory. */
export const openStore = (databaseUrl: string | null, sqlitePath: string): Store =>
  databaseUrl ? openPostgres(databaseUrl) : openSqlite(sqlitePath);
