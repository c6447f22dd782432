import { type Kysely, sql } from 'kysely';
import type { Database, FileRow } from '../db/schema.ts';
import type { Tenant } from '../tenancy/principal.ts';

/** Mistral's file list filters; every list is an OR of its values, lists combine with AND. */
export interface FileFilter {
  tenant: Tenant;
  page: number;
  pageSize: number;
  sampleTypes?: string[] | undefined;
  sources?: string[] | undefined;
  mimetypes?: string[] | undefined;
  purpose?: string | undefined;
  /** Substring of the file name. */
  search?: string | undefined;
}

export class FileSearch {
  constructor(private readonly db: Kysely<Database>) {}

  /** One page, newest first, and how many files match in all. */
  async search(f: FileFilter): Promise<{ files: FileRow[]; total: number }> {
    let query = this.db.selectFrom('files').where('project_id', '=', f.tenant.projectId);
    if (f.sampleTypes?.length) query = query.where('sample_type', 'in', f.sampleTypes);
    if (f.sources?.length) query = query.where('source', 'in', f.sources);
    if (f.mimetypes?.length) query = query.where('mimetype', 'in', f.mimetypes);
    if (f.purpose) query = query.where('purpose', '=', f.purpose);
    // LIKE with the wildcards escaped: plain SQL that SQLite and Postgres both run.
    if (f.search) query = query.where(sql<boolean>`lower(filename) like ${`%${f.search.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`} escape '\\'`);
    const [files, count] = await Promise.all([
      query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.pageSize).offset(f.page * f.pageSize).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { files, total: Number(count.n) };
  }
}
