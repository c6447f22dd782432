import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors/app-error.ts';
import { TERMINAL_STATUSES } from '../jobs/job-status.ts';
import type { ProjectLimits } from './project-limits.ts';

/** A write that counts against a quota, run on the connection that holds the project. */
export type QuotaInsert = (db: Kysely<Database>) => Promise<void>;

export interface ProjectUsage {
  /** Fine-tuning jobs not yet finished: every status but succeeded, failed, failed_validation and cancelled. */
  activeJobs: number;
  /** Bytes of the project's files: uploads and jobs' result files (model weights are not files). */
  storageBytes: number;
}

const bytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;

/**
 * The per-project quotas: unfinished fine-tuning jobs and stored bytes. A
 * check and the insert it admits run in one transaction that first writes
 * the project's row: on Postgres that row lock makes concurrent creates of one
 * project (on any replica) take turns, and on SQLite the write takes the
 * database's one write lock. So two requests never both take the last slot.
 */
export class ProjectQuotas {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: ProjectLimits,
  ) {}

  async usage(projectId: string, db: Kysely<Database> = this.db): Promise<ProjectUsage> {
    const [jobs, files] = await Promise.all([
      db.selectFrom('jobs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('project_id', '=', projectId).where('status', 'not in', [...TERMINAL_STATUSES]).executeTakeFirst(),
      db.selectFrom('files').select((eb) => eb.fn.sum<number | string | null>('bytes').as('n')).where('project_id', '=', projectId).executeTakeFirst(),
    ]);
    return { activeJobs: Number(jobs?.n ?? 0), storageBytes: Number(files?.n ?? 0) };
  }

  /** Inserts a new job when the project has a job slot left; 429 `active_jobs_quota_exceeded` otherwise. */
  async admitJob(projectId: string, insert: QuotaInsert): Promise<void> {
    const { activeJobs: quota } = await this.limits.of(projectId);
    if (quota <= 0) return insert(this.db);
    await this.holding(projectId, async (db) => {
      const { activeJobs } = await this.usage(projectId, db);
      if (activeJobs >= quota) {
        throw new AppError({
          code: 'active_jobs_quota_exceeded',
          message: `Project ${projectId} has ${activeJobs} unfinished fine-tuning jobs and its quota (max_concurrent_fine_tuning_jobs) is ${quota}; create this job once one has finished or been cancelled.`,
        });
      }
      await insert(db);
    });
  }

  /** Inserts a new file of `size` bytes when it fits the project's storage quota; 429 `storage_quota_exceeded` otherwise. */
  async admitFile(projectId: string, size: number, insert: QuotaInsert): Promise<void> {
    const { storageBytes: quota } = await this.limits.of(projectId);
    if (quota <= 0) return insert(this.db);
    await this.holding(projectId, async (db) => {
      this.checkRoom(projectId, quota, (await this.usage(projectId, db)).storageBytes, size);
      await insert(db);
    });
  }

  /** Before an upload's body is read: refuses one whose file part alone cannot fit. */
  async checkDeclaredUpload(projectId: string, fileBytesAtLeast: number): Promise<void> {
    const { storageBytes: quota } = await this.limits.of(projectId);
    if (quota <= 0 || fileBytesAtLeast <= 0) return;
    this.checkRoom(projectId, quota, (await this.usage(projectId)).storageBytes, fileBytesAtLeast);
  }

  private checkRoom(projectId: string, quota: number, used: number, size: number): void {
    if (used + size <= quota) return;
    throw new AppError({
      code: 'storage_quota_exceeded',
      param: 'file',
      message: `The upload (${bytes(size)}) would take project ${projectId} past its storage quota (max_storage_bytes): ${bytes(used)} of ${bytes(quota)} are in use. Delete files first.`,
    });
  }

  private holding(projectId: string, work: (db: Kysely<Database>) => Promise<void>): Promise<void> {
    return this.db.transaction().execute(async (trx) => {
      // A write that changes nothing, for its lock (see the class comment).
      await sql`UPDATE projects SET archived_at = archived_at WHERE id = ${projectId}`.execute(trx);
      await work(trx);
    });
  }
}
