import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../ids/clock.ts';
import { ACTIVE_WORKER_STATUSES } from '../jobs/job-status.ts';

/**
 * Every runner token starts with this, so the API's authentication can refuse
 * one outright (server/auth.ts): a runner token is never an API key, even
 * while no API keys are configured and any other bearer token is accepted.
 */
export const RUNNER_TOKEN_PREFIX = 'selftune-runner-';

export const isRunnerToken = (bearer: string) => bearer.startsWith(RUNNER_TOKEN_PREFIX);

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Tokens a remote trainer (the runner protocol) uses to reach its one job.
 * A token is valid while its job is running (or pausing/cancelling) under the
 * lease owner that issued it: a finished, requeued or taken-over job's token
 * stops working even before its row is deleted at the run's end.
 */
export class RunnerTokens {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** A new token for the job's new run; tokens of its earlier runs are dropped (a job runs once at a time). */
  async issue(jobId: string, leaseOwner: string): Promise<string> {
    await this.db.deleteFrom('runner_tokens').where('job_id', '=', jobId).execute();
    const token = RUNNER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await this.db.insertInto('runner_tokens').values({ token_hash: hashOf(token), job_id: jobId, lease_owner: leaseOwner, created_at: this.clock.nowMs() }).execute();
    return token;
  }

  /** Whether `token` may act for job `jobId` now. */
  async valid(token: string, jobId: string): Promise<boolean> {
    if (!isRunnerToken(token)) return false;
    const row = await this.db
      .selectFrom('runner_tokens')
      .innerJoin('jobs', 'jobs.id', 'runner_tokens.job_id')
      .select(['jobs.status', 'jobs.locked_by', 'runner_tokens.lease_owner'])
      .where('runner_tokens.token_hash', '=', hashOf(token))
      .where('runner_tokens.job_id', '=', jobId)
      .executeTakeFirst();
    return !!row && ACTIVE_WORKER_STATUSES.includes(row.status as never) && row.locked_by === row.lease_owner;
  }

  /** The run is over: its token goes. */
  async revoke(token: string): Promise<void> {
    await this.db.deleteFrom('runner_tokens').where('token_hash', '=', hashOf(token)).execute();
  }
}
