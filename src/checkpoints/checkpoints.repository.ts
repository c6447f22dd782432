import type { Kysely } from 'kysely';
import type { CheckpointRow, Database } from '../db/schema.ts';

export class CheckpointsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(row: CheckpointRow): Promise<void> {
    // A job resumed after a crash may save the same step again.
    await this.db
      .insertInto('checkpoints')
      .values(row)
      .onConflict((oc) => oc.columns(['job_id', 'step']).doUpdateSet({ created_at: row.created_at, path: row.path, metrics: row.metrics }))
      .execute();
  }

  async removeStep(jobId: string, step: number): Promise<CheckpointRow | undefined> {
    return this.db.deleteFrom('checkpoints').where('job_id', '=', jobId).where('step', '=', step).returningAll().executeTakeFirst();
  }

  /** Highest step first; `after` is the id of the last checkpoint of the previous page. */
  async page(jobId: string, limit: number, after?: string): Promise<CheckpointRow[]> {
    let query = this.db.selectFrom('checkpoints').selectAll().where('job_id', '=', jobId);
    if (after) {
      const cursor = await this.db.selectFrom('checkpoints').select('step').where('id', '=', after).where('job_id', '=', jobId).executeTakeFirst();
      if (!cursor) return [];
      query = query.where('step', '<', cursor.step);
    }
    return query.orderBy('step', 'desc').limit(limit + 1).execute();
  }

  all(jobId: string): Promise<CheckpointRow[]> {
    return this.db.selectFrom('checkpoints').selectAll().where('job_id', '=', jobId).orderBy('step', 'desc').execute();
  }
}
