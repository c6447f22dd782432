import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../ids/clock.ts';
import type { Logger } from '../logging/logger.ts';
import { releaseLease, renewLease } from './leases.ts';

/** What a renewal reads back: the job's stored status and control request, or `lost` when another owner has it. */
export type LeaseState = { lost: false; status: string; control: string | null } | { lost: true };

export interface LeaseOptions {
  owner: string;
  leaseMs: number;
  heartbeatMs: number;
}

/**
 * A claimed job's lease, from claim to release: renewed on a heartbeat, and on
 * demand when a pause/cancel request arrives. Each renewal hands the job's
 * control request to `onRenew`, so whoever runs the job learns of it.
 */
export class JobLease {
  private timer: NodeJS.Timeout | null = null;
  private onRenew: (state: LeaseState) => void = () => {};
  private released = false;

  constructor(
    private readonly db: Kysely<Database>,
    readonly jobId: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: LeaseOptions,
  ) {}

  /** Starts the heartbeat. */
  keep(onRenew: (state: LeaseState) => void): void {
    this.onRenew = onRenew;
    this.timer = setInterval(() => void this.renew(), this.opts.heartbeatMs);
  }

  /** Renews now; a failed renewal is logged and retried on the next beat (the lease outlives a few missed ones). */
  async renew(): Promise<void> {
    try {
      const row = await renewLease(this.db, this.jobId, this.opts.owner, this.opts.leaseMs, this.clock.nowMs());
      if (!this.released) this.onRenew(row ? { lost: false, status: row.status, control: row.control } : { lost: true });
    } catch (err) {
      this.log.warn({ jobId: this.jobId, err }, `job ${this.jobId}: renewing its lease failed`);
    }
  }

  async release(): Promise<void> {
    this.released = true; // a renewal still in flight reports to no one
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await releaseLease(this.db, this.jobId, this.opts.owner);
  }
}
