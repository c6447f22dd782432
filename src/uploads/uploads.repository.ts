import { type Kysely, sql } from 'kysely';
import type { Database, UploadPartRow, UploadRow } from '../db/schema.ts';
import type { Tenant } from '../tenancy/principal.ts';
import { OPEN_STATUSES, STALE_COMPLETE_MS, type UploadStatus } from './upload-record.ts';

/** Uploads and their parts. Status changes are compare-and-set: racing requests (on any replica) cannot both win. */
export class UploadsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: UploadRow): Promise<void> {
    await this.db.insertInto('uploads').values(row).execute();
  }

  /** An upload of the tenant's project. */
  find(tenant: Tenant, id: string): Promise<UploadRow | undefined> {
    return this.db.selectFrom('uploads').selectAll().where('project_id', '=', tenant.projectId).where('id', '=', id).executeTakeFirst();
  }

  /** Moves the upload from `from` to `to` (with `set`) if it is still in `from`; whether it did. */
  async move(id: string, from: UploadStatus, to: UploadStatus, set: { completing_since?: number | null; file_id?: string | null } = {}): Promise<boolean> {
    const res = await this.db.updateTable('uploads').set({ status: to, ...set }).where('id', '=', id).where('status', '=', from).executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  parts(uploadId: string): Promise<UploadPartRow[]> {
    return this.db.selectFrom('upload_parts').selectAll().where('upload_id', '=', uploadId).orderBy('created_at').execute();
  }

  /**
   * Adds a part when the upload is still pending and unexpired and the part fits
   * in what is left of its declared size; else returns why not. The no-op
   * update takes the upload's row lock first (Postgres; SQLite's one writer
   * anyway), so concurrent parts are summed one after another.
   */
  async addPart(part: UploadPartRow, declaredBytes: number, nowMs: number): Promise<{ refused: 'not_pending' | 'too_large' | null; received: number }> {
    return this.db.transaction().execute(async (trx) => {
      const held = await sql`UPDATE uploads SET status = status WHERE id = ${part.upload_id} AND status = 'pending' AND expires_at > ${nowMs}`.execute(trx);
      if (!held.numAffectedRows) return { refused: 'not_pending', received: 0 };
      const sum = await trx.selectFrom('upload_parts').select((eb) => eb.fn.sum<number | string | null>('bytes').as('n')).where('upload_id', '=', part.upload_id).executeTakeFirst();
      const received = Number(sum?.n ?? 0);
      if (received + part.bytes > declaredBytes) return { refused: 'too_large', received };
      await trx.insertInto('upload_parts').values(part).execute();
      return { refused: null, received: received + part.bytes };
    });
  }

  async deletePart(id: string): Promise<void> {
    await this.db.deleteFrom('upload_parts').where('id', '=', id).execute();
  }

  /** Marks unfinished uploads past their expiry expired (a complete's claim only once stale); how many. */
  async expire(nowMs: number): Promise<number> {
    const res = await this.db.updateTable('uploads').set({ status: 'expired', completing_since: null })
      .where('expires_at', '<=', nowMs)
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'completing'), eb('completing_since', '<=', nowMs - STALE_COMPLETE_MS)])]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Parts whose upload has ended (completed, cancelled, expired) or no longer exists: theirs to delete. */
  ended(limit: number): Promise<UploadPartRow[]> {
    return this.db.selectFrom('upload_parts').selectAll()
      .where(({ not, exists, selectFrom }) => not(exists(
        selectFrom('uploads').select('uploads.id').whereRef('uploads.id', '=', 'upload_parts.upload_id').where('uploads.status', 'in', [...OPEN_STATUSES]),
      )))
      .limit(limit)
      .execute();
  }
}
