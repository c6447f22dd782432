import type { Kysely } from 'kysely';
import type { BackendProfile } from '../backend.ts';

// The first schema. Column meanings are documented in db/schema.ts.
export async function up(db: Kysely<unknown>, profile: BackendProfile): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_details', 'text')
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('num_lines', 'integer')
    .addColumn('sample_type', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('mimetype', 'text')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text')
    .addColumn('job_id', 'text')
    .execute();
  await db.schema.createIndex('files_org_created').on('files').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('created_via', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('job_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('training_files', 'text', (c) => c.notNull())
    .addColumn('validation_files', 'text', (c) => c.notNull())
    .addColumn('method_type', 'text', (c) => c.notNull())
    .addColumn('hyperparameters', 'text', (c) => c.notNull())
    .addColumn('resolved_hyperparameters', 'text')
    .addColumn('suffix', 'text')
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('integrations', 'text', (c) => c.notNull())
    .addColumn('auto_start', 'integer', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('fine_tuned_model', 'text')
    .addColumn('result_files', 'text', (c) => c.notNull())
    .addColumn('trained_tokens', 'bigint')
    .addColumn('error', 'text')
    .addColumn('stats', 'text', (c) => c.notNull())
    .addColumn('total_steps', 'integer')
    .addColumn('current_step', 'integer', (c) => c.notNull())
    .addColumn('estimated_finish', 'bigint')
    .addColumn('control', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('recoveries', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addColumn('queued_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('jobs_org_created').on('jobs').columns(['org_id', 'created_at']).execute();
  // The scheduler's claim query: oldest queued job first.
  await db.schema.createIndex('jobs_status_queued').on('jobs').columns(['status', 'queued_at']).execute();

  await db.schema
    .createTable('job_events')
    .addColumn('seq', profile.serialKey, (c) => (profile.serialKey === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('status', 'text')
    .execute();
  await db.schema.createIndex('job_events_job_seq').on('job_events').columns(['job_id', 'seq']).execute();

  await db.schema
    .createTable('checkpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addUniqueConstraint('checkpoints_job_step', ['job_id', 'step'])
    .execute();

  await db.schema
    .createTable('models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('checkpoint_id', 'text')
    .addColumn('base_model', 'text', (c) => c.notNull())
    .addColumn('model_type', 'text', (c) => c.notNull())
    .addColumn('training_mode', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('models_org').on('models').columns(['org_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['models', 'checkpoints', 'job_events', 'jobs', 'files']) await db.schema.dropTable(table).execute();
}
