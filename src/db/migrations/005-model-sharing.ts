import type { Kysely } from 'kysely';
import type { BackendProfile } from '../backend.ts';

// A fine-tuned model is private to its project; its owners may share it with
// the other projects of its organization (read and use, never change or delete).
export async function up(db: Kysely<unknown>, _profile: BackendProfile): Promise<void> {
  await db.schema.alterTable('models').addColumn('shared_with_org', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('models_org_shared').on('models').columns(['org_id', 'shared_with_org']).execute();
}
