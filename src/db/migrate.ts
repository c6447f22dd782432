import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { BackendProfile, Store } from './backend.ts';
import * as initial from './migrations/001-initial.ts';
import * as serverSecrets from './migrations/002-server-secrets.ts';
import * as runnerTokens from './migrations/003-runner-tokens.ts';
import * as tenancy from './migrations/004-tenancy.ts';
import * as modelSharing from './migrations/005-model-sharing.ts';
import * as rateLimits from './migrations/006-rate-limits.ts';
import * as webhooks from './migrations/007-webhooks.ts';
import * as uploads from './migrations/008-uploads.ts';

// Migrations are code, listed in order here, and run at every start. Each gets
// the backend profile for the few column types that differ between engines.
type ProfiledMigration = { up(db: Kysely<unknown>, profile: BackendProfile): Promise<void> };
const MIGRATIONS: Record<string, ProfiledMigration> = {
  '001-initial': initial,
  '002-server-secrets': serverSecrets,
  '003-runner-tokens': runnerTokens,
  '004-tenancy': tenancy,
  '005-model-sharing': modelSharing,
  '006-rate-limits': rateLimits,
  '007-webhooks': webhooks,
  '008-uploads': uploads,
};

export async function migrate(store: Store): Promise<void> {
  const migrations = Object.fromEntries(
    Object.entries(MIGRATIONS).map(([name, m]): [string, Migration] => [name, { up: (db) => m.up(db, store.profile) }]),
  );
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const { error, results } = await new Migrator({ db: store.db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}
