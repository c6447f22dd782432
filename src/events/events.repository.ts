import type { Kysely } from 'kysely';
import type { Database, JobEventRow } from '../db/schema.ts';
import { newUuid } from '../ids/ids.ts';

export interface NewEvent {
  jobId: string;
  level?: 'info' | 'warn' | 'error';
  type?: 'message' | 'metrics';
  message: string;
  data?: unknown;
  /** Set when the event records a change of the job's status. */
  status?: string | null;
}

export class EventsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(e: NewEvent, nowMs: number): Promise<void> {
    await this.db
      .insertInto('job_events')
      .values({
        id: newUuid(),
        job_id: e.jobId,
        created_at: nowMs,
        level: e.level ?? 'info',
        type: e.type ?? 'message',
        message: e.message,
        data: e.data === undefined ? null : JSON.stringify(e.data),
        status: e.status ?? null,
      })
      .execute();
  }

  /** Newest first; `after` is the id of the last event of the previous page; `type` keeps one kind. */
  async page(jobId: string, limit: number, after?: string, type?: 'message' | 'metrics'): Promise<JobEventRow[]> {
    let query = this.db.selectFrom('job_events').selectAll().where('job_id', '=', jobId);
    if (type) query = query.where('type', '=', type);
    if (after) {
      const cursor = await this.db.selectFrom('job_events').select('seq').where('id', '=', after).where('job_id', '=', jobId).executeTakeFirst();
      if (!cursor) return [];
      query = query.where('seq', '<', cursor.seq);
    }
    return query.orderBy('seq', 'desc').limit(limit + 1).execute();
  }

  /** Oldest first, optionally only one type (the metrics for the results file and charts). */
  all(jobId: string, type?: 'message' | 'metrics'): Promise<JobEventRow[]> {
    let query = this.db.selectFrom('job_events').selectAll().where('job_id', '=', jobId);
    if (type) query = query.where('type', '=', type);
    return query.orderBy('seq', 'asc').execute();
  }
}
