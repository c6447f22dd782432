import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../ids/clock.ts';
import { ProjectLimits } from './project-limits.ts';
import { ProjectQuotas } from './project-quotas.ts';
import { RateLimitRepository } from './rate-limit.repository.ts';
import { RateLimiter } from './rate-limiter.ts';

/** Rate limits per API key and quotas per project, with the deployment's defaults from the settings. */
export interface Limits {
  /** Each project's limits in force, and the Admin API's changes to them. */
  projects: ProjectLimits;
  rates: RateLimiter;
  quotas: ProjectQuotas;
}

export function buildLimits(db: Kysely<Database>, config: Config, clock: Clock): Limits {
  const projects = new ProjectLimits(db, {
    requestsPerMinute: config.keyRequestsPerMinute,
    tokensPerMinute: config.keyTokensPerMinute,
    activeJobs: config.projectActiveJobs,
    storageBytes: config.projectStorageBytes,
  }, clock);
  return { projects, rates: new RateLimiter(new RateLimitRepository(db), projects, clock), quotas: new ProjectQuotas(db, projects) };
}
