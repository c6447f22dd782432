import type { Kysely } from 'kysely';
import type { Database, ProjectRow } from '../db/schema.ts';
import type { Clock } from '../ids/clock.ts';

/** The limits in force for a project; 0 = unlimited. */
export interface EffectiveLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
  activeJobs: number;
  storageBytes: number;
}

/** A project's own values (null: the deployment default). */
export type LimitOverrides = Pick<ProjectRow, 'max_requests_per_minute' | 'max_tokens_per_minute' | 'max_concurrent_jobs' | 'max_storage_bytes'>;

/** How long a project's limits are trusted without reading them again: a change made on another replica applies within this. */
const CACHE_MS = 5_000;

/**
 * A project's limits: its own columns, else the deployment's settings. Read
 * from the database at most every few seconds per project, so that a request
 * costs no extra query when no limit applies.
 */
export class ProjectLimits {
  private readonly cache = new Map<string, { overrides: LimitOverrides | null; at: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaults: EffectiveLimits,
    private readonly clock: Clock,
  ) {}

  async of(projectId: string): Promise<EffectiveLimits> {
    return this.resolve(await this.overrides(projectId));
  }

  resolve(overrides: LimitOverrides | null): EffectiveLimits {
    return {
      requestsPerMinute: overrides?.max_requests_per_minute ?? this.defaults.requestsPerMinute,
      tokensPerMinute: overrides?.max_tokens_per_minute ?? this.defaults.tokensPerMinute,
      activeJobs: overrides?.max_concurrent_jobs ?? this.defaults.activeJobs,
      storageBytes: overrides?.max_storage_bytes ?? this.defaults.storageBytes,
    };
  }

  /** Sets a project's own values (undefined: left as they are; null: back to the default). */
  async set(projectId: string, changes: Partial<LimitOverrides>): Promise<void> {
    if (Object.keys(changes).length) await this.db.updateTable('projects').set(changes).where('id', '=', projectId).execute();
    this.cache.delete(projectId);
  }

  private async overrides(projectId: string): Promise<LimitOverrides | null> {
    const now = this.clock.nowMs();
    const cached = this.cache.get(projectId);
    if (cached && now - cached.at < CACHE_MS) return cached.overrides;
    const row = await this.db
      .selectFrom('projects')
      .select(['max_requests_per_minute', 'max_tokens_per_minute', 'max_concurrent_jobs', 'max_storage_bytes'])
      .where('id', '=', projectId)
      .executeTakeFirst();
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(projectId, { overrides: row ?? null, at: now });
    return row ?? null;
  }
}
