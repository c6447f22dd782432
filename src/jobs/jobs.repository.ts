import type { Kysely } from 'kysely';
import type { Database, JobRow } from '../db/schema.ts';
import type { Tenant } from '../tenancy/principal.ts';
import type { Job, JobChanges } from './job.ts';
import { jobChangesToRow, jobFromRow, newJobRow } from './job.codec.ts';
import { jobVersion } from './job-versions.ts';
import type { SecretBox } from '../secrets/secret-box.ts';

export interface JobListQuery {
  tenant: Tenant;
  limit: number;
  /** Cursor: the id of the last job of the previous page (lists are newest first). */
  after?: string | undefined;
  /** Every pair must match; `null` selects jobs without metadata. */
  metadata?: Record<string, string> | null | undefined;
  status?: string[] | undefined;
  offset?: number | undefined;
}

export class JobsRepository {
  /** `secrets` seals the jobs' tokens and keys as they are written. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  /** `createdVia`: which API asked, stored as provenance only. `db`: a transaction to insert in (a quota check's). */
  async insert(job: Job, createdVia: 'openai' | 'mistral', db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('jobs').values(newJobRow(job, createdVia, this.secrets)).execute();
  }

  /** A job of the tenant's project. */
  async find(tenant: Tenant, id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('project_id', '=', tenant.projectId).where('id', '=', id).executeTakeFirst();
    return row && jobFromRow(row);
  }

  /** For the scheduler and the trainer's side, which act on a job whoever owns it. */
  async findAnyOrg(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && jobFromRow(row);
  }

  /** Applies `changes` (always bumping modified_at); returns the job as it now is. */
  async update(id: string, changes: Omit<JobChanges, 'status'>, nowMs: number): Promise<Job> {
    const row = await this.db
      .updateTable('jobs')
      .set({ ...jobChangesToRow(changes, this.secrets), modified_at: nowMs })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return jobFromRow(row);
  }

  /**
   * Updates only if the job is still in one of `from`; undefined when it was not. Status changes go through JobsService.moveTo.
   * `alsoWrite` runs in the same transaction with the changed job, and rolls the change back if it throws.
   */
  async transition(id: string, from: readonly string[], changes: JobChanges, nowMs: number, alsoWrite?: (job: Job, db: Kysely<Database>) => Promise<void>): Promise<Job | undefined> {
    const move = async (db: Kysely<Database>) => {
      const row = await db
        .updateTable('jobs')
        .set({ ...jobChangesToRow(changes, this.secrets), modified_at: nowMs })
        .where('id', '=', id)
        .where('status', 'in', from)
        .returningAll()
        .executeTakeFirst();
      const job = row && jobFromRow(row);
      if (job && alsoWrite) await alsoWrite(job, db);
      return job;
    };
    return alsoWrite ? this.db.transaction().execute(move) : move(this.db);
  }

  /** The list's query, filtered and newest first, before its columns and limit; null when the `after` cursor names no job of the project. */
  private async pageQuery(q: JobListQuery) {
    let query = this.db.selectFrom('jobs').where('project_id', '=', q.tenant.projectId);
    if (q.status?.length) query = query.where('status', 'in', q.status);
    if (q.metadata === null) query = query.where('metadata', 'is', null);
    if (q.after) {
      const cursor = await this.db.selectFrom('jobs').select(['created_at', 'id']).where('project_id', '=', q.tenant.projectId).where('id', '=', q.after).executeTakeFirst();
      if (!cursor) return null;
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', cursor.created_at),
          eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', cursor.id)]),
        ]),
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc');
  }

  async page(q: JobListQuery): Promise<Job[]> {
    const query = (await this.pageQuery(q))?.selectAll();
    if (!query) return [];
    const wanted = q.metadata ? Object.entries(q.metadata) : [];
    if (wanted.length === 0) {
      return (await query.limit(q.limit + 1).offset(q.offset ?? 0).execute()).map(jobFromRow);
    }
    // Metadata is a small JSON map; filtering it in code keeps one query for both backends.
    const out: Job[] = [];
    const CHUNK = 200;
    for (let offset = 0; out.length <= q.limit; offset += CHUNK) {
      const rows = await query.limit(CHUNK).offset(offset).execute();
      for (const row of rows) {
        const job = jobFromRow(row as JobRow);
        if (wanted.every(([k, v]) => job.metadata?.[k] === v)) out.push(job);
      }
      if (rows.length < CHUNK) break;
    }
    return out.slice(0, q.limit + 1);
  }

  /**
   * The page as ids and versions only (a job row is ~40 columns; decoding them
   * is most of a list's cost): callers read the rows of the jobs whose answer
   * they do not have at that version with `findMany`. A metadata filter reads whole rows.
   */
  async pageVersions(q: JobListQuery): Promise<Array<{ id: string; version: string }>> {
    if (q.metadata) return (await this.page(q)).map((j) => ({ id: j.id, version: jobVersion(j.modifiedAt, j.status, j.currentStep) }));
    const query = (await this.pageQuery(q))?.select(['id', 'modified_at', 'status', 'current_step']);
    if (!query) return [];
    const rows = await query.limit(q.limit + 1).offset(q.offset ?? 0).execute();
    return rows.map((r) => ({ id: r.id, version: jobVersion(Number(r.modified_at), r.status, r.current_step) }));
  }

  /** Jobs of the tenant's project among `ids`, in no particular order. */
  async findMany(tenant: Tenant, ids: string[]): Promise<Job[]> {
    if (!ids.length) return [];
    const rows = await this.db.selectFrom('jobs').selectAll().where('project_id', '=', tenant.projectId).where('id', 'in', ids).execute();
    return rows.map(jobFromRow);
  }

  /** Jobs that use a file while they may still need it. */
  async activeJobsUsingFile(tenant: Tenant, fileId: string, activeStatuses: readonly string[]): Promise<Job[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('project_id', '=', tenant.projectId)
      .where('status', 'in', activeStatuses)
      .execute();
    return rows
      .map(jobFromRow)
      .filter((j) => j.trainingFiles.some((f) => f.file_id === fileId) || j.validationFiles.includes(fileId));
  }
}
