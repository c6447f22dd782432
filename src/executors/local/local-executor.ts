import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../db/backend.ts';
import type { JobRow } from '../../db/schema.ts';
import type { Job } from '../../jobs/job.ts';
import { jobFromRow } from '../../jobs/job.codec.ts';
import type { JobsService } from '../../jobs/jobs.service.ts';
import { resolveHyperparameters } from '../../jobs/hyperparameters.ts';
import { type ProgressDeps, TrainingProgress } from '../../jobs/training-progress.ts';
import type { ModelCatalog, TrainableModel } from '../../models/model-catalog.ts';
import { fineTunedModelNameOf } from '../../models/model-names.ts';
import { releaseLease, renewLease } from '../../queue/leases.ts';
import type { JobPlanner } from '../../planning/job-planner.ts';
import { killedWorkerHint } from '../../planning/memory-plan.ts';
import { TrainerLauncher } from './trainer-launcher.ts';
import { trainProcesses } from './train-processes.ts';
import { trainerSpec } from './trainer-spec.ts';
import type { TrainerProcess } from './trainer-process.ts';

export interface LocalExecutorOptions {
  python: string;
  trainerDir: string;
  /** Keep one trainer process with its imports done, ready for the next job. */
  trainerStandby: boolean;
  /** Processes per training job (torchrun); 0 = one per visible CUDA GPU, 1 without one. */
  trainProcesses: number;
  runsDir: string;
  leaseMs: number;
  heartbeatMs: number;
  maxSeqLen: number;
}

export interface ExecutorDeps extends ProgressDeps {
  store: Store;
  service: JobsService;
  catalog: ModelCatalog;
  /** Learns the device's speed from each succeeded job. */
  planner: JobPlanner;
}

/** A job being trained by a local trainer subprocess. */
export interface RunningJob {
  jobId: string;
  /** Ask the trainer to act on a pause/cancel request stored on the job. */
  poke(): void;
  /** Server shutdown: checkpoint and hand the job back to the queue. */
  shutdown(): Promise<void>;
  done: Promise<void>;
}

/** Runs claimed jobs as trainer subprocesses on this machine. */
export class LocalExecutor {
  private readonly launcher: TrainerLauncher;
  private readonly processes: Promise<number>;
  private processCount = 1; // once `processes` has resolved

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly opts: LocalExecutorOptions,
    private readonly owner: string,
  ) {
    this.launcher = new TrainerLauncher(opts.python, opts.trainerDir, opts.trainerStandby);
    this.processes = trainProcesses(opts.trainProcesses).then((n) => (this.processCount = n));
  }

  /** Work is on its way: have a trainer process ready for it (a multi-process job starts its own). */
  prewarm(): void {
    if (this.processCount === 1) this.launcher.prewarm();
  }

  close(): Promise<void> {
    return this.launcher.close();
  }

  start(row: JobRow): RunningJob {
    let trainer: TrainerProcess | null = null;
    let shuttingDown = false;
    const check = async () => {
      const lease = await renewLease(this.deps.store.db, row.id, this.owner, this.opts.leaseMs, this.deps.clock.nowMs());
      if (!lease) return trainer?.kill(); // another scheduler owns the job now
      if (lease.control === 'cancel') trainer?.send({ command: 'cancel' });
      if (lease.control === 'pause') trainer?.send({ command: 'pause' });
    };
    const attach = (t: TrainerProcess) => {
      trainer = t;
      if (shuttingDown) t.send({ command: 'pause' }); // shutdown began while the job was being set up
    };
    const done = this.run(row, attach, () => shuttingDown, check);
    return {
      jobId: row.id,
      poke: () => void check().catch(() => {}),
      shutdown: async () => {
        shuttingDown = true;
        trainer?.send({ command: 'pause' });
        const killer = setTimeout(() => void trainer?.kill(), 15_000);
        await done;
        clearTimeout(killer);
      },
      done,
    };
  }

  private async run(row: JobRow, attach: (t: TrainerProcess) => void, shuttingDown: () => boolean, heartbeat: () => Promise<void>) {
    const { service, clock } = this.deps;
    let job = jobFromRow(row);
    try {
      const model = await this.deps.catalog.trainable(job.orgId, job.model);
      if (!model) {
        await this.fail(job, 'base_model_not_found', `The base model ${job.model} is no longer in the models directory.`);
        return;
      }
      job = await this.begin(job, model);
      if (job.status !== 'running') return;
      const runDir = join(this.opts.runsDir, job.id);
      await mkdir(runDir, { recursive: true });
      const specPath = join(runDir, 'spec.json');
      await writeFile(specPath, JSON.stringify(await trainerSpec(job, model, runDir, this.deps.files), null, 2));
      const progress = new TrainingProgress(this.deps, job, model.root);
      // The classifier recipe trains in one process.
      const processes = job.jobType === 'classifier' ? 1 : await this.processes;
      const trainer = this.launcher.launch(specPath, (e) => progress.apply(e), processes);
      attach(trainer);
      const timer = setInterval(() => void heartbeat().catch(() => {}), this.opts.heartbeatMs);
      const exit = await trainer.exited.finally(() => clearInterval(timer));
      job = progress.current;
      const outcome = progress.outcome;
      if (outcome?.kind === 'completed') {
        const results = await progress.publishResults(outcome.path);
        for (const message of results.checkpointMessages) await this.deps.events.add({ jobId: job.id, message, data: {} }, clock.nowMs());
        await this.deps.events.add({ jobId: job.id, message: `New fine-tuned model created: ${results.modelId}`, data: {} }, clock.nowMs());
        const timings = { ...job.stats.timings, finished: clock.nowMs() };
        const finished = await service.moveTo(job, 'succeeded', {
          fineTunedModel: results.modelId,
          resultFiles: [results.resultFileId],
          trainedTokens: outcome.trainedTokens,
          finishedAt: clock.nowMs(),
          estimatedFinish: null,
          control: null,
          stats: { ...job.stats, timings },
        }, 'The job has successfully completed', { from: ['running', 'pausing', 'cancelling'] });
        await this.deps.planner.learnFrom(finished, model.path).catch(() => {}); // an estimate's refinement never fails a job
      } else if (outcome?.kind === 'paused' && shuttingDown()) {
        await service.moveTo(job, 'queued', { queuedAt: clock.nowMs(), control: null }, `The server is shutting down; the job will resume from step ${outcome.step}`, { from: ['running', 'pausing'], level: 'warn' });
      } else if (outcome?.kind === 'paused') {
        await service.moveTo(job, 'paused', { control: null, estimatedFinish: null }, `Fine-tuning job paused at step ${outcome.step}`, { from: ['pausing', 'running'] });
      } else if (outcome?.kind === 'cancelled') {
        await service.moveTo(job, 'cancelled', { control: null, finishedAt: clock.nowMs(), estimatedFinish: null }, `Fine-tuning job cancelled at step ${outcome.step}`, { from: ['cancelling', 'running', 'pausing'] });
      } else if (outcome?.kind === 'failed') {
        await this.fail(job, outcome.code, outcome.message);
      } else if (!shuttingDown()) {
        const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
        const hint = exit.signal === 'SIGKILL' ? killedWorkerHint(job.stats.plan) : '';
        await this.fail(job, 'worker_crashed', `The training worker stopped unexpectedly (${how}).${hint} Last output:\n${exit.stderrTail}`);
      }
      // A worker killed during shutdown leaves the job running; the next start resumes it from its last checkpoint.
    } catch (err) {
      await this.fail(job, 'internal_error', `Training could not run: ${(err as Error).message}`).catch(() => {});
    } finally {
      await releaseLease(this.deps.store.db, job.id, this.owner);
    }
  }

  /** queued → running, with hyperparameters resolved and the model name fixed (kept across resumes). */
  private async begin(job: Job, model: TrainableModel): Promise<Job> {
    const { clock } = this.deps;
    const now = clock.nowMs();
    const resolved = resolveHyperparameters(job.hyperparameters, { nExamples: job.stats.n_train_examples ?? 0, jobType: job.jobType, defaultSeqLen: this.opts.maxSeqLen });
    const plannedModel = job.stats.planned_model ?? fineTunedModelNameOf(job, model.root);
    const firstStart = job.startedAt === null;
    const timings = { ...job.stats.timings, [firstStart ? 'claimed' : `reclaimed_${job.recoveries}`]: now };
    return this.deps.service.moveTo(job, 'running', {
      startedAt: job.startedAt ?? now,
      resolvedHyperparameters: { ...resolved, training_mode: job.resolvedHyperparameters?.training_mode ?? null },
      stats: { ...job.stats, planned_model: plannedModel, timings },
    }, firstStart ? 'Fine-tuning job started' : 'Fine-tuning job resumed', { from: ['queued'] }).catch(() => job);
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
