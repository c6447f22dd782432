import type { Kysely } from 'kysely';
import type { BackendProfile } from '../backend.ts';

// OpenAI's Uploads API: an upload declares its size, receives parts (each a
// blob of its own until the upload ends) and is completed into one file.
// Parts belong to their upload; the upload carries the tenant columns.
export async function up(db: Kysely<unknown>, _profile: BackendProfile): Promise<void> {
  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('file_expires_after_seconds', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('completing_since', 'bigint')
    .addColumn('file_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uploads_project_created').on('uploads').columns(['project_id', 'created_at']).execute();
  // The sweep looks for unfinished uploads past their expiry.
  await db.schema.createIndex('uploads_status_expires').on('uploads').columns(['status', 'expires_at']).execute();

  await db.schema
    .createTable('upload_parts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('upload_parts_upload').on('upload_parts').columns(['upload_id', 'created_at']).execute();
}
