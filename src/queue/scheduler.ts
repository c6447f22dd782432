import type { Store } from '../db/backend.ts';
import type { LocalExecutor, RunningJob } from '../executors/local/local-executor.ts';
import type { Clock } from '../ids/clock.ts';
import { jobFromRow } from '../jobs/job.codec.ts';
import type { JobSignals } from '../jobs/job-signals.ts';
import type { JobValidator } from '../jobs/job-validator.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import { claimNext, findAbandoned, hasUnclaimed, releaseLease } from './leases.ts';

export interface SchedulerOptions {
  owner: string;
  maxConcurrentJobs: number;
  leaseMs: number;
  pollMs: number;
  maxRecoveries: number;
  /** True when no other scheduler can share the database (embedded mode holds the data-dir lock). */
  soleScheduler: boolean;
}

/**
 * Moves jobs through validation and training. Each pass: recover work whose
 * owner vanished, validate new jobs, and start queued jobs while slots are free.
 * Passes run on a timer and whenever a signal says there may be work.
 */
export class Scheduler {
  private readonly running = new Map<string, RunningJob>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly service: JobsService,
    private readonly validator: JobValidator,
    private readonly executor: LocalExecutor,
    private readonly signals: JobSignals,
    private readonly clock: Clock,
    private readonly opts: SchedulerOptions,
  ) {}

  async start(): Promise<void> {
    this.signals.on('wake', this.onWake);
    this.signals.on('control', this.onControl);
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.pollMs);
  }

  private readonly onWake = () => void this.tick();
  private readonly onControl = (jobId: string) => this.running.get(jobId)?.poke();

  /** Runs one pass, or schedules another right after the one in flight. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = this.runPass()
      .catch((err) => console.error('scheduler pass failed', err))
      .finally(() => {
        this.pass = null;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.tick();
        }
      });
    return this.pass;
  }

  private async runPass() {
    await this.recoverAbandoned();
    await this.validatePending();
    while (!this.stopped && this.running.size < this.opts.maxConcurrentJobs) {
      const row = await claimNext(this.store, 'queued', this.opts.owner, this.opts.leaseMs, this.clock.nowMs());
      if (!row) break;
      const run = this.executor.start(row);
      if (this.running.size + 1 >= this.opts.maxConcurrentJobs) void this.prewarmIfQueued();
      this.running.set(row.id, run);
      // run() records its own failures on the job; a rejection here (the lease
      // release failing) must not become an unhandled rejection that stops the server.
      void run.done.catch((err) => console.error(`job ${row.id}: the run ended with an error`, err)).finally(() => {
        this.running.delete(row.id);
        void this.tick();
      });
    }
  }

  /** With every slot busy, a waiting job will need a trainer as soon as one frees up. */
  private async prewarmIfQueued() {
    if (await hasUnclaimed(this.store.db, 'queued')) this.executor.prewarm();
  }

  private async validatePending() {
    for (;;) {
      const row = await claimNext(this.store, 'validating', this.opts.owner, this.opts.leaseMs, this.clock.nowMs());
      if (!row) return;
      this.executor.prewarm(); // a job that passes validation starts training right after
      try {
        await this.validator.validate(jobFromRow(row));
      } catch (err) {
        const job = jobFromRow(row);
        const message = `Validation could not run: ${(err as Error).message}`;
        await this.service.moveTo(job, 'failed_validation', { error: { code: 'validation_error', message, param: null }, finishedAt: this.clock.nowMs() }, message, { from: ['validating'], level: 'error' }).catch(() => {});
      } finally {
        await releaseLease(this.store.db, row.id, this.opts.owner);
      }
    }
  }

  /** Work whose owner stopped renewing its lease: resume it, or fail it with a clear error. */
  private async recoverAbandoned() {
    const now = this.clock.nowMs();
    const live = this.opts.soleScheduler ? this.opts.owner : null;
    for (const row of await findAbandoned(this.store.db, ['validating', 'queued'], now, live)) {
      if (row.locked_by && row.locked_by !== this.opts.owner) await releaseLease(this.store.db, row.id, row.locked_by);
    }
    for (const row of await findAbandoned(this.store.db, ['running', 'pausing', 'cancelling'], now, live)) {
      if (this.running.has(row.id)) continue;
      const job = jobFromRow(row);
      const lost = { lockedBy: null, leaseExpiresAt: null, control: null, estimatedFinish: null };
      if (job.status === 'cancelling') {
        await this.service.moveTo(job, 'cancelled', { ...lost, finishedAt: now }, 'Fine-tuning job cancelled (its worker had stopped)', { from: ['cancelling'] });
      } else if (job.status === 'pausing') {
        await this.service.moveTo(job, 'paused', lost, `Fine-tuning job paused; it will resume from its last checkpoint`, { from: ['pausing'] });
      } else if (job.recoveries < this.opts.maxRecoveries) {
        await this.service.moveTo(job, 'queued', { ...lost, queuedAt: now, recoveries: job.recoveries + 1 },
          `The training worker was lost at step ${job.currentStep}; the job is queued again and resumes from its last checkpoint (recovery ${job.recoveries + 1} of ${this.opts.maxRecoveries})`, { from: ['running'], level: 'warn' });
      } else {
        const error = { code: 'worker_lost', message: `The training worker was lost ${job.recoveries + 1} times; the job was stopped at step ${job.currentStep}.`, param: null };
        await this.service.moveTo(job, 'failed', { ...lost, error, finishedAt: now }, error.message, { from: ['running'], level: 'error' });
      }
    }
  }

  /** Stops taking work; running trainers save a checkpoint and their jobs go back to the queue. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.signals.off('wake', this.onWake);
    this.signals.off('control', this.onControl);
    await this.pass;
    await Promise.all([...this.running.values()].map((r) => r.shutdown()));
    await this.executor.close();
  }

  get activeJobs(): number {
    return this.running.size;
  }
}
