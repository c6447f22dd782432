import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Store } from './backend.ts';
import * as initial from './migrations/001-initial.ts';

// Migrations are code, listed in order here, and run at every start.
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': initial,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrate(store: Store): Promise<void> {
  const { error, results } = await new Migrator({ db: store.db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}
