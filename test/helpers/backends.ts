import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgres, openSqlite, type Store } from '../../src/db/backend.ts';
import { migrate } from '../../src/db/migrate.ts';
import { randomBase62 } from '../../src/ids/ids.ts';
import { tempDir } from './server.ts';

// Storage and queue suites run on every backend with real engines: a fresh
// SQLite file, and a fresh Postgres database created for the test and dropped after.
// SELFTUNE_TEST_BACKENDS=sqlite limits the matrix (e.g. where no Postgres runs).

export type Backend = 'sqlite' | 'postgres';
export const POSTGRES_ADMIN_URL = process.env.SELFTUNE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const BACKENDS: Backend[] = ((process.env.SELFTUNE_TEST_BACKENDS ?? 'sqlite,postgres').split(',') as Backend[]).filter((b) => b === 'sqlite' || b === 'postgres');

export interface TestStore {
  store: Store;
  /** For a server test: the database URL (Postgres) or null (SQLite in the data dir). */
  url: string | null;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty Postgres database; returns its URL and how to drop it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `selftune_test_${randomBase62(10).toLowerCase()}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
}

export async function openTestStore(backend: Backend): Promise<TestStore> {
  if (backend === 'sqlite') {
    const dir = await tempDir('sqlite');
    const store = openSqlite(join(dir, 'test.db'));
    await migrate(store);
    return { store, url: null, drop: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
  }
  const database = await createPostgresDatabase();
  const store = openPostgres(database.url);
  await migrate(store);
  return { store, url: database.url, drop: async () => { await store.close(); await database.drop(); } };
}
