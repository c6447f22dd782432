import { isDiskFull } from '../blobs/disk-space.ts';
import { type Executor, ExecutorUnavailable, type RunExit, type RunHandle } from '../executors/executor.ts';
import type { TrainableModel } from '../models/model-catalog.ts';
import { fineTunedModelNameOf } from '../models/model-names.ts';
import type { JobPlanner } from '../planning/job-planner.ts';
import { killedWorkerHint } from '../planning/memory-plan.ts';
import type { Logger } from '../logging/logger.ts';
import type { LeaseState } from '../queue/job-lease.ts';
import { resolveHyperparameters } from './hyperparameters.ts';
import type { Job } from './job.ts';
import { ACTIVE_WORKER_STATUSES } from './job-status.ts';
import type { JobsService } from './jobs.service.ts';
import { type ProgressDeps, type RunOutcome, TrainingProgress } from './training-progress.ts';

export interface JobRunDeps extends ProgressDeps {
  service: JobsService;
  executor: Executor;
  /** Learns the device's speed from each succeeded job. */
  planner: JobPlanner;
  log: Logger;
}

export interface JobRunOptions {
  maxSeqLen: number;
  /** How many times a job's own trainer may die (killed, crashed) and the job still resume. */
  maxRecoveries: number;
}

/** How often a job's failure that could not be written is tried again. */
const RECORD_RETRY_MS = 2_000;

/** How long a trainer asked to checkpoint for a server shutdown gets before it is killed. */
const SHUTDOWN_GRACE_MS = 15_000;

/**
 * One training run of a claimed job, whatever executes it: queued → running,
 * start the trainer, record what it reports (TrainingProgress), and close the
 * job by the outcome — succeeded, paused, cancelled, failed, or queued again
 * when its trainer died and recoveries are left. `done` never rejects.
 */
export class JobRun {
  readonly done: Promise<void>;
  private handle: RunHandle | null = null;
  private control: string | null = null;
  private shuttingDown = false;
  private leaseLost = false;
  private readonly jobId: string;

  constructor(
    private readonly deps: JobRunDeps,
    private readonly opts: JobRunOptions,
    job: Job,
  ) {
    this.jobId = job.id;
    this.done = this.run(job);
  }

  /** What each lease renewal read back: a pause/cancel request for the trainer, or the job taken by another owner. */
  onLease(state: LeaseState): void {
    if (state.lost) {
      this.leaseLost = true;
      this.deps.log.warn({ jobId: this.jobId }, `job ${this.jobId}: its lease was taken over; stopping its trainer`);
      void this.handle?.kill();
      return;
    }
    this.control = state.control;
    this.forwardControl();
  }

  /** Server shutdown: checkpoint and hand the job back to the queue. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.handle?.pause();
    const killer = setTimeout(() => void this.handle?.kill(), SHUTDOWN_GRACE_MS);
    await this.done;
    clearTimeout(killer);
  }

  private forwardControl() {
    if (this.shuttingDown || this.control === 'pause') this.handle?.pause();
    if (this.control === 'cancel') this.handle?.cancel();
  }

  private async run(claimed: Job): Promise<void> {
    let job = claimed;
    try {
      const model = await this.deps.catalog.trainable(job, job.model);
      if (!model) {
        await this.fail(job, 'base_model_not_found', `The base model ${job.model} is no longer in the models directory.`);
        return;
      }
      job = await this.begin(job, model);
      if (job.status !== 'running') return;
      const progress = new TrainingProgress(this.deps, job, model.root);
      this.handle = await this.deps.executor.start(job, model, (e) => progress.apply(e));
      this.forwardControl(); // a request (or shutdown) that came while the trainer was starting
      const exit = await this.handle.exited;
      await this.finish(progress, exit, model);
    } catch (err) {
      if (err instanceof ExecutorUnavailable) {
        await this.waitInQueue(job, err);
        return;
      }
      this.deps.log.error({ jobId: job.id, err }, `job ${job.id}: training could not run`);
      this.handle?.kill().catch((killErr) => this.deps.log.warn({ jobId: job.id, err: killErr }, `job ${job.id}: stopping its trainer failed`));
      const [code, message] = isDiskFull(err)
        ? ['disk_full', `The server ran out of disk space while recording the job (${(err as Error).message}). Free space in the data directory and create the job again.`]
        : ['internal_error', `Training could not run: ${(err as Error).message}`];
      await this.failUntilRecorded(job, code, message);
    }
  }

  /** Nothing was started: the job goes back to the queue, spending no recovery, and starts once the executor can run it. */
  private async waitInQueue(job: Job, err: ExecutorUnavailable) {
    this.deps.log.warn({ jobId: job.id }, `job ${job.id}: not started: ${err.message}`);
    const message = `The job could not start: ${err.message} It waits in the queue and starts once the executor can run it.`;
    await this.deps.service.moveTo(job, 'queued', { queuedAt: this.deps.clock.nowMs(), control: null, estimatedFinish: null }, message, { from: ['running'], level: 'warn' })
      .catch((moveErr) => this.deps.log.error({ jobId: job.id, err: moveErr }, `job ${job.id}: putting it back in the queue failed; it is recovered once its lease runs out`));
  }

  /**
   * The failure must reach the database, or the job would show `running` for
   * as long as this server holds its lease. A write that fails (the disk is
   * full, the database is away) is retried until it lands or the job is no longer ours.
   */
  private async failUntilRecorded(job: Job, code: string, message: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.fail(job, code, message);
        return;
      } catch (err) {
        if (this.leaseLost || this.shuttingDown || await this.settledElsewhere(job)) return; // the next owner (or the next start) recovers it
        this.deps.log.error({ jobId: job.id, err, attempt }, `job ${job.id}: recording its failure failed; retrying in ${RECORD_RETRY_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS));
      }
    }
  }

  /** The job has left the statuses a failure may follow (cancelled meanwhile, say): nothing left to record. */
  private async settledElsewhere(job: Job): Promise<boolean> {
    try {
      const now = await this.deps.jobs.findAnyOrg(job.id);
      return !now || (!ACTIVE_WORKER_STATUSES.includes(now.status) && now.status !== 'queued');
    } catch {
      return false; // the database cannot be read either: keep trying
    }
  }

  private async finish(progress: TrainingProgress, exit: RunExit, model: TrainableModel) {
    const { service, clock } = this.deps;
    const job = progress.current;
    const outcome = progress.outcome;
    if (outcome?.kind === 'completed') {
      await this.succeed(progress, outcome, model);
    } else if (outcome?.kind === 'paused' && this.shuttingDown) {
      await service.moveTo(job, 'queued', { queuedAt: clock.nowMs(), control: null }, `The server is shutting down; the job will resume from step ${outcome.step}`, { from: ['running', 'pausing'], level: 'warn' });
    } else if (outcome?.kind === 'paused') {
      await service.moveTo(job, 'paused', { control: null, estimatedFinish: null }, `Fine-tuning job paused at step ${outcome.step}`, { from: ['pausing', 'running'] });
    } else if (outcome?.kind === 'cancelled') {
      await service.moveTo(job, 'cancelled', { control: null, finishedAt: clock.nowMs(), estimatedFinish: null }, `Fine-tuning job cancelled at step ${outcome.step}`, { from: ['cancelling', 'running', 'pausing'] });
    } else if (outcome?.kind === 'failed') {
      await this.fail(job, outcome.code, outcome.message);
    } else if (!this.shuttingDown && !this.leaseLost) {
      await this.workerDied(job, exit);
    }
    // A worker killed during shutdown leaves the job running; the next start resumes it from its last checkpoint.
  }

  private async succeed(progress: TrainingProgress, outcome: Extract<RunOutcome, { kind: 'completed' }>, model: TrainableModel) {
    const { service, clock, events } = this.deps;
    const job = progress.current;
    const results = await progress.publishResults(outcome.path);
    await events.add({ jobId: job.id, message: `New fine-tuned model created: ${results.modelId}`, data: {} }, clock.nowMs());
    const timings = { ...job.stats.timings, finished: clock.nowMs() };
    const closing = {
      fineTunedModel: results.modelId,
      resultFiles: [results.resultFileId],
      trainedTokens: outcome.trainedTokens,
      finishedAt: clock.nowMs(),
      estimatedFinish: null,
      control: null,
      stats: { ...job.stats, timings },
    };
    // Learned before the status changes, so whoever sees `succeeded` also sees the refined device profile.
    // An estimate's refinement never fails a job.
    await this.deps.planner.learnFrom({ ...job, ...closing }, model.path).catch((err) =>
      this.deps.log.warn({ jobId: job.id, err }, `job ${job.id}: learning the device's speed from it failed`));
    // A pause or cancel that arrived as the last step finished lost the race: say so rather than leave the request unanswered.
    const asked = (await this.deps.jobs.findAnyOrg(job.id))?.status;
    if (asked === 'pausing') await events.add({ jobId: job.id, message: 'The job completed before it could pause', data: {} }, clock.nowMs());
    if (asked === 'cancelling') await events.add({ jobId: job.id, message: 'The job completed before it could be cancelled', data: {} }, clock.nowMs());
    await service.moveTo(job, 'succeeded', closing, 'The job has successfully completed', { from: ['running', 'pausing', 'cancelling'] });
  }

  /**
   * The trainer died without saying why (SIGKILL, the OOM killer, a crash):
   * a fault of this job, so it spends one recovery and resumes from its last
   * checkpoint in a new process; a pause or cancel it was working on is done.
   */
  private async workerDied(job: Job, exit: RunExit) {
    const { service, clock } = this.deps;
    const now = clock.nowMs();
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    // A lost node is no out-of-memory kill: say what happened instead of suggesting memory settings.
    const hint = exit.lost === 'node' ? ` ${capitalised(exit.stderrTail)}.` : exit.signal === 'SIGKILL' ? killedWorkerHint(job.stats.plan) : '';
    const died = `The training worker stopped unexpectedly at step ${job.currentStep} (${how}).${hint}`;
    const status = (await this.deps.jobs.findAnyOrg(job.id))?.status;
    const stopped = { control: null, estimatedFinish: null };
    if (status === 'cancelling') {
      await service.moveTo(job, 'cancelled', { ...stopped, finishedAt: now }, `${died} Fine-tuning job cancelled.`, { from: ['cancelling'] });
    } else if (status === 'pausing') {
      await service.moveTo(job, 'paused', stopped, `${died} Fine-tuning job paused; it resumes from its last checkpoint.`, { from: ['pausing'], level: 'warn' });
    } else if (job.recoveries < this.opts.maxRecoveries) {
      const n = job.recoveries + 1;
      await service.moveTo(job, 'queued', { ...stopped, queuedAt: now, recoveries: n },
        `${died} The job is queued again and resumes from its last checkpoint (recovery ${n} of ${this.opts.maxRecoveries}).`, { from: ['running'], level: 'warn' });
    } else {
      await this.fail(job, 'worker_crashed', `${died} It had already been recovered ${job.recoveries} times, so the job is stopped. Last output:\n${exit.stderrTail}`);
    }
  }

  /** queued → running, with hyperparameters resolved and the model name fixed (kept across resumes). */
  private async begin(job: Job, model: TrainableModel): Promise<Job> {
    const { clock } = this.deps;
    const now = clock.nowMs();
    const resolved = resolveHyperparameters(job.hyperparameters, { nExamples: job.stats.n_train_examples ?? 0, jobType: job.jobType, method: job.methodType, defaultSeqLen: this.opts.maxSeqLen });
    const plannedModel = job.stats.planned_model ?? fineTunedModelNameOf(job, model.root);
    const firstStart = job.startedAt === null;
    const timings = { ...job.stats.timings, [firstStart ? 'claimed' : `reclaimed_${job.recoveries}`]: now };
    return this.deps.service.moveTo(job, 'running', {
      startedAt: job.startedAt ?? now,
      resolvedHyperparameters: { ...resolved, training_mode: job.resolvedHyperparameters?.training_mode ?? null },
      stats: { ...job.stats, planned_model: plannedModel, timings },
    }, firstStart ? 'Fine-tuning job started' : 'Fine-tuning job resumed', { from: ['queued'] }).catch((err) => {
      // Paused or cancelled between the claim and now: nothing to run.
      this.deps.log.info({ jobId: job.id, err }, `job ${job.id}: not started (${(err as Error).message})`);
      return job;
    });
  }

  private async fail(job: Job, code: string, message: string) {
    const error = { code, message, param: null };
    await this.deps.service.moveTo(job, 'failed', {
      error,
      finishedAt: this.deps.clock.nowMs(),
      estimatedFinish: null,
      control: null,
    }, message, { from: ['queued', 'running', 'pausing', 'cancelling'], level: 'error' });
  }
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
