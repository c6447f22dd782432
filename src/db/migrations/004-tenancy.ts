import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BackendProfile } from '../backend.ts';

// Organizations group projects; projects are the unit of isolation. Every file,
// job and model belongs to one project (records made before this migration
// belong to the default project of the default organization). API keys are kept
// only as SHA-256 hashes; an admin key has no project.
export const DEFAULT_ORG_ID = 'org-default';
export const DEFAULT_PROJECT_ID = 'proj_default';

export async function up(db: Kysely<unknown>, _profile: BackendProfile): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('default_project_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('archived_at', 'bigint')
    // Limits; null: the deployment's default (SELFTUNE_* settings), which may be unlimited.
    .addColumn('max_requests_per_minute', 'integer')
    .addColumn('max_tokens_per_minute', 'integer')
    .addColumn('max_concurrent_jobs', 'integer')
    .addColumn('max_storage_bytes', 'bigint')
    .execute();
  await db.schema.createIndex('projects_org').on('projects').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('service_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('service_accounts_project').on('service_accounts').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text')
    .addColumn('service_account_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('redacted_value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_project').on('api_keys').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('api_keys_org').on('api_keys').columns(['org_id', 'created_at']).execute();

  const now = Date.now();
  await sql`INSERT INTO organizations (id, name, default_project_id, created_at) VALUES (${DEFAULT_ORG_ID}, 'Default organization', ${DEFAULT_PROJECT_ID}, ${now})`.execute(db);
  await sql`INSERT INTO projects (id, org_id, name, created_at) VALUES (${DEFAULT_PROJECT_ID}, ${DEFAULT_ORG_ID}, 'Default project', ${now})`.execute(db);

  for (const table of ['files', 'jobs', 'models']) {
    await db.schema.alterTable(table).addColumn('project_id', 'text', (c) => c.notNull().defaultTo(DEFAULT_PROJECT_ID)).execute();
    await db.schema.createIndex(`${table}_project_created`).on(table).columns(['project_id', 'created_at']).execute();
  }
}
