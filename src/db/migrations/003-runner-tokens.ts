import type { Kysely } from 'kysely';
import type { BackendProfile } from '../backend.ts';

// Runner tokens (runner/runner-tokens.ts): only a SHA-256 of each token is kept,
// bound to one job and the lease owner that started its run.
export async function up(db: Kysely<unknown>, _profile: BackendProfile): Promise<void> {
  await db.schema
    .createTable('runner_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runner_tokens_job').on('runner_tokens').column('job_id').execute();
}
