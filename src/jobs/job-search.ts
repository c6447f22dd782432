import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Tenant } from '../tenancy/principal.ts';
import type { Job } from './job.ts';
import { jobFromRow } from './job.codec.ts';

/** Mistral's job list filters, over every job of the project whichever dialect created it. */
export interface JobFilter {
  tenant: Tenant;
  model?: string | undefined;
  /** Milliseconds, exclusive. */
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  createdBy?: string | undefined;
  statuses?: readonly string[] | undefined;
  jobType?: string | undefined;
  suffix?: string | undefined;
  wandbProject?: string | undefined;
  wandbName?: string | undefined;
  page: number;
  pageSize: number;
}

export class JobSearch {
  constructor(private readonly db: Kysely<Database>) {}

  /** One page, newest first, and how many jobs match in all. */
  async search(f: JobFilter): Promise<{ jobs: Job[]; total: number }> {
    let query = this.db.selectFrom('jobs').selectAll().where('project_id', '=', f.tenant.projectId);
    if (f.model) query = query.where('model', '=', f.model);
    if (f.createdAfter !== undefined) query = query.where('created_at', '>', f.createdAfter);
    if (f.createdBefore !== undefined) query = query.where('created_at', '<', f.createdBefore);
    if (f.createdBy !== undefined) query = query.where('created_by', '=', f.createdBy);
    if (f.statuses) query = query.where('status', 'in', f.statuses.length ? [...f.statuses] : ['-']);
    if (f.jobType) query = query.where('job_type', '=', f.jobType);
    if (f.suffix) query = query.where('suffix', '=', f.suffix);
    query = query.orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (!f.wandbProject && !f.wandbName) {
      // Count and page in SQL: a list must not read every job of the project.
      const counted = await query.clearSelect().clearOrderBy().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await query.limit(f.pageSize).offset(f.page * f.pageSize).execute();
      return { jobs: rows.map(jobFromRow), total: Number(counted.n) };
    }
    // Integrations are a small JSON list; filtering them in code keeps one query for both backends.
    const jobs = (await query.execute()).map(jobFromRow).filter((job) =>
      job.integrations.some((w) => (!f.wandbProject || w.project === f.wandbProject) && (!f.wandbName || w.name === f.wandbName)),
    );
    return { jobs: jobs.slice(f.page * f.pageSize, (f.page + 1) * f.pageSize), total: jobs.length };
  }
}
