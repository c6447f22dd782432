import type { Kysely } from 'kysely';
import type { BackendProfile } from '../backend.ts';

// Rate limits shared by every replica on one database: one row per (API key,
// kind) holding a GCRA limiter's theoretical arrival time, changed by one
// atomic statement per request (limits/rate-limit.repository.ts).
export async function up(db: Kysely<unknown>, _profile: BackendProfile): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tat', 'bigint', (c) => c.notNull())
    .addColumn('allowed', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['key_id', 'kind'])
    .execute();
}
