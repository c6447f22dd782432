import type { Kysely } from 'kysely';
import type { Database, FileRow } from '../db/schema.ts';
import type { Tenant } from '../tenancy/principal.ts';

export interface FileListQuery {
  tenant: Tenant;
  purpose?: string | undefined;
  limit: number;
  order: 'asc' | 'desc';
  /** Cursor: the id of the last file of the previous page. */
  after?: string | undefined;
}

export class FilesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** `db`: a transaction to insert in (a quota check's). */
  async insert(row: FileRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('files').values(row).execute();
  }

  /** A stored upload with this name, content hash and purpose, if any. */
  findIdentical(tenant: Tenant, filename: string, sha256: string, purpose: string): Promise<FileRow | undefined> {
    return this.db
      .selectFrom('files')
      .selectAll()
      .where('project_id', '=', tenant.projectId)
      .where('filename', '=', filename)
      .where('sha256', '=', sha256)
      .where('purpose', '=', purpose)
      .where('source', '=', 'upload')
      .orderBy('created_at', 'asc')
      .executeTakeFirst();
  }

  /** A file of the tenant's project. */
  find(tenant: Tenant, id: string): Promise<FileRow | undefined> {
    return this.db.selectFrom('files').selectAll().where('project_id', '=', tenant.projectId).where('id', '=', id).executeTakeFirst();
  }

  /** Lists one page (plus one row, so the caller knows whether there are more). */
  async page(q: FileListQuery): Promise<FileRow[]> {
    let query = this.db.selectFrom('files').selectAll().where('project_id', '=', q.tenant.projectId);
    if (q.purpose) query = query.where('purpose', '=', q.purpose);
    if (q.after) {
      const cursor = await this.find(q.tenant, q.after);
      if (!cursor) return []; // an unknown cursor is past the end
      const op = q.order === 'desc' ? '<' : '>';
      // (created_at, id) orders files uploaded within the same millisecond too.
      query = query.where((eb) =>
        eb.or([
          eb('created_at', op, cursor.created_at),
          eb.and([eb('created_at', '=', cursor.created_at), eb('id', op, cursor.id)]),
        ]),
      );
    }
    return query.orderBy('created_at', q.order).orderBy('id', q.order).limit(q.limit + 1).execute();
  }

  async delete(tenant: Tenant, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('files').where('project_id', '=', tenant.projectId).where('id', '=', id).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }
}
