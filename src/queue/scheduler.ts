import type { Store } from '../db/backend.ts';
import type { Job } from '../jobs/job.ts';
import { jobFromRow } from '../jobs/job.codec.ts';
import { JobRun, type JobRunDeps } from '../jobs/job-run.ts';
import type { JobValidator } from '../jobs/job-validator.ts';
import { JobLease } from './job-lease.ts';
import { claimNext, findAbandoned, hasUnclaimed, releaseLease, takeAbandoned } from './leases.ts';

export interface SchedulerOptions {
  owner: string;
  maxConcurrentJobs: number;
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  maxRecoveries: number;
  maxSeqLen: number;
  /** True when no other scheduler can share the database (embedded mode holds the data-dir lock). */
  soleScheduler: boolean;
}

export interface SchedulerDeps extends JobRunDeps {
  store: Store;
  validator: JobValidator;
}

/**
 * Moves jobs through validation and training. Each pass: recover work whose
 * owner vanished, validate new jobs, and start queued jobs while slots are free.
 * Passes run on a timer and whenever a signal says there may be work.
 * A claimed job's lease is held here from claim to release; the run itself
 * (jobs/job-run.ts) goes through whatever Executor the deps name.
 */
export class Scheduler {
  private readonly running = new Map<string, { run: JobRun; lease: JobLease; finished: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly opts: SchedulerOptions,
  ) {}

  async start(): Promise<void> {
    this.deps.signals.on('wake', this.onWake);
    this.deps.signals.on('control', this.onControl);
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.pollMs);
  }

  private readonly onWake = () => void this.tick();
  private readonly onControl = (jobId: string) => void this.running.get(jobId)?.lease.renew();

  /** Runs one pass, or schedules another right after the one in flight. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = this.runPass()
      .catch((err) => this.deps.log.error({ err }, 'scheduler pass failed; the next pass tries again'))
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
    // An executor that just failed to reach its cluster claims nothing until its next try is due.
    while (!this.stopped && this.running.size < this.opts.maxConcurrentJobs && (this.deps.executor.canStart?.() ?? true)) {
      const row = await claimNext(this.deps.store, 'queued', this.opts.owner, this.opts.leaseMs, this.deps.clock.nowMs());
      if (!row) break;
      this.startRun(jobFromRow(row));
      if (this.running.size >= this.opts.maxConcurrentJobs) void this.prewarmIfQueued();
    }
  }

  private startRun(job: Job) {
    const lease = this.leaseOf(job.id);
    const run = new JobRun(this.deps, { maxSeqLen: this.opts.maxSeqLen, maxRecoveries: this.opts.maxRecoveries }, job);
    lease.keep((state) => run.onLease(state));
    const finished = run.done
      .then(() => lease.release())
      .catch((err) => this.deps.log.error({ jobId: job.id, err }, `job ${job.id}: releasing its lease failed; it is recovered once the lease runs out`))
      .finally(() => {
        this.running.delete(job.id);
        void this.tick();
      });
    this.running.set(job.id, { run, lease, finished });
  }

  private leaseOf(jobId: string): JobLease {
    const { owner, leaseMs, heartbeatMs } = this.opts;
    return new JobLease(this.deps.store.db, jobId, this.deps.clock, this.deps.log, { owner, leaseMs, heartbeatMs });
  }

  /** With every slot busy, a waiting job will need a trainer as soon as one frees up. */
  private async prewarmIfQueued() {
    try {
      if (await hasUnclaimed(this.deps.store.db, 'queued')) this.deps.executor.prewarm();
    } catch (err) {
      this.deps.log.warn({ err }, 'checking for queued jobs to prewarm a trainer failed');
    }
  }

  private async validatePending() {
    const { store, service, clock, log } = this.deps;
    for (;;) {
      const row = await claimNext(store, 'validating', this.opts.owner, this.opts.leaseMs, clock.nowMs());
      if (!row) return;
      this.deps.executor.prewarm(); // a job that passes validation starts training right after
      const job = jobFromRow(row);
      // Renewed while validating: a validation longer than the lease must not look abandoned to the other schedulers.
      const lease = this.leaseOf(job.id);
      lease.keep(() => {});
      try {
        await this.deps.validator.validate(job);
      } catch (err) {
        // Cancelled (or deleted) while it was validated: the validation's own move was refused, as it should be.
        const now = await service.get(job, job.id).catch(() => null);
        if (now?.status !== 'validating') {
          log.info({ jobId: job.id, status: now?.status ?? 'gone' }, `job ${job.id}: left validation while being validated`);
          continue;
        }
        log.error({ jobId: job.id, err }, `job ${job.id}: validation could not run`);
        const message = `Validation could not run: ${(err as Error).message}`;
        await service.moveTo(job, 'failed_validation', { error: { code: 'validation_error', message, param: null }, finishedAt: clock.nowMs() }, message, { from: ['validating'], level: 'error' })
          .catch((moveErr) => log.error({ jobId: job.id, err: moveErr }, `job ${job.id}: recording its failed validation failed; it is validated again`));
      } finally {
        await lease.release();
      }
    }
  }

  /**
   * Work whose owner stopped renewing its lease — the server that ran it was
   * killed or restarted. That is no fault of the job, so it costs no recovery:
   * a running job resumes from its last checkpoint; a pause or cancel it was
   * working on is done.
   */
  private async recoverAbandoned() {
    const { store, service, clock } = this.deps;
    const now = clock.nowMs();
    const live = this.opts.soleScheduler ? this.opts.owner : null;
    for (const row of await findAbandoned(store.db, ['validating', 'queued'], now, live)) {
      if (row.locked_by && row.locked_by !== this.opts.owner) await releaseLease(store.db, row.id, row.locked_by);
    }
    for (const row of await findAbandoned(store.db, ['running', 'pausing', 'cancelling'], now, live)) {
      if (this.running.has(row.id)) continue;
      // Another scheduler may be recovering it too, and may already have started it again: only the one that takes it goes on.
      if (!(await takeAbandoned(store.db, row, this.opts.owner, this.opts.leaseMs, now))) continue;
      const job = jobFromRow(row);
      const lost = { lockedBy: null, leaseExpiresAt: null, control: null, estimatedFinish: null };
      if (job.status === 'cancelling') {
        await service.moveTo(job, 'cancelled', { ...lost, finishedAt: now }, 'Fine-tuning job cancelled (its worker had stopped)', { from: ['cancelling'] });
      } else if (job.status === 'pausing') {
        await service.moveTo(job, 'paused', lost, `Fine-tuning job paused; it will resume from its last checkpoint`, { from: ['pausing'] });
      } else {
        await service.moveTo(job, 'queued', { ...lost, queuedAt: now },
          `The server running this job stopped at step ${job.currentStep}; the job is queued again and resumes from its last checkpoint`, { from: ['running'], level: 'warn' });
      }
    }
  }

  /** Stops taking work; running trainers save a checkpoint and their jobs go back to the queue. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.deps.signals.off('wake', this.onWake);
    this.deps.signals.off('control', this.onControl);
    await this.pass;
    await Promise.all([...this.running.values()].map(({ run, finished }) => run.shutdown().then(() => finished)));
    await this.deps.executor.close();
  }

  get activeJobs(): number {
    return this.running.size;
  }
}
