import type { ConfigInput } from '../../src/config/config.ts';
import { type Backend, createPostgresDatabase } from '../helpers/backends.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** A test server on `backend` (a fresh Postgres database, or SQLite in its data directory); `cleanups` closes and drops it. */
export async function serverOn(backend: Backend, overrides: ConfigInput, cleanups: Array<() => Promise<unknown>>): Promise<TestServer> {
  const database = backend === 'postgres' ? await createPostgresDatabase() : null;
  const t = await startServer({ ...overrides, databaseUrl: database?.url });
  cleanups.push(async () => { await t.close(); await database?.drop(); });
  return t;
}
