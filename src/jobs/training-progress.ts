import { isAbsolute, join, relative } from 'node:path';
import type { CheckpointsRepository } from '../checkpoints/checkpoints.repository.ts';
import type { EventsRepository } from '../events/events.repository.ts';
import type { StepMetrics, TrainerEvent } from '../executors/trainer-protocol.ts';
import type { FilesService } from '../files/files.service.ts';
import type { Clock } from '../ids/clock.ts';
import { newUuid } from '../ids/ids.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import { checkpointModelName } from '../models/model-names.ts';
import type { Job } from './job.ts';
import type { JobSignals } from './job-signals.ts';
import type { JobsRepository } from './jobs.repository.ts';
import { stepMetricsCsv } from './results-file.ts';

export type RunOutcome =
  | { kind: 'completed'; trainedTokens: number; path: string }
  | { kind: 'paused'; step: number }
  | { kind: 'cancelled'; step: number }
  | { kind: 'failed'; code: string; message: string };

export interface ProgressDeps {
  jobs: JobsRepository;
  events: EventsRepository;
  checkpoints: CheckpointsRepository;
  catalog: ModelCatalog;
  files: FilesService;
  signals: JobSignals;
  clock: Clock;
  dataDir: string;
  resultFilesBase64: boolean;
}

const fmt = (v: number) => v.toFixed(2);

export function stepMessage(m: StepMetrics & { total_steps: number }): string {
  let text = `Step ${m.step}/${m.total_steps}: training loss=${fmt(m.train_loss)}`;
  if (m.train_reward_margin !== undefined) text += `, reward margin=${fmt(m.train_reward_margin)}, reward accuracy=${fmt(m.train_reward_accuracy ?? 0)}`;
  if (m.valid_loss !== undefined) text += `, validation loss=${fmt(m.valid_loss)}`;
  if (m.full_valid_loss !== undefined) text += `, full validation loss=${fmt(m.full_valid_loss)}`;
  return text;
}

/**
 * Records what one trainer run reports, event by event, and builds the results when it completes.
 * A run resumed from a checkpoint replays the steps after it: those steps (up to the
 * highest one already recorded) were reported before, so they are not recorded again.
 */
export class TrainingProgress {
  outcome: RunOutcome | null = null;
  private resumedFrom = 0;
  /** Steps up to here have their metrics event (and checkpoint event) from an earlier run. */
  private recordedUpTo: number;

  constructor(
    private readonly deps: ProgressDeps,
    private job: Job,
    private readonly root: string,
  ) {
    this.recordedUpTo = job.currentStep;
  }

  async apply(e: TrainerEvent): Promise<void> {
    const { jobs, events, clock } = this.deps;
    const now = clock.nowMs();
    switch (e.event) {
      case 'log':
        await events.add({ jobId: this.job.id, level: e.level, message: e.message, data: {} }, now);
        break;
      case 'started': {
        this.resumedFrom = e.resumed_from_step;
        // A server killed between a step's event and the job's current_step still recorded that step.
        this.recordedUpTo = Math.max(this.recordedUpTo, await this.lastRecordedStep());
        const resolved = { ...this.job.resolvedHyperparameters!, n_epochs: e.n_epochs, batch_size: e.batch_size, learning_rate: e.learning_rate, training_mode: e.training_mode };
        const timings = { ...this.job.stats.timings, trainer_started: now };
        const stats = { ...this.job.stats, device: e.device, world_size: e.world_size ?? 1, steps_per_epoch: e.steps_per_epoch, train_tokens_per_epoch: e.train_tokens_per_epoch, timings };
        this.job = await jobs.update(this.job.id, { resolvedHyperparameters: resolved, totalSteps: e.total_steps, stats }, now);
        const mode = e.training_mode === 'lora' ? `LoRA (${e.trainable_parameters} trainable parameters)` : 'full fine-tuning';
        const from = e.resumed_from_step ? `, resuming from step ${e.resumed_from_step}` : '';
        await events.add({ jobId: this.job.id, message: `Training ${this.job.model} on ${(e.world_size ?? 1) > 1 ? `${e.world_size} processes, ${e.device}` : e.device} (${e.dtype}) with ${mode}: ${e.total_steps} steps${from}`, data: {} }, now);
        break;
      }
      case 'step': {
        if (e.step <= this.recordedUpTo) break; // a replayed step
        const { event: _e, epoch: _ep, step_tokens: _st, elapsed_seconds, tokens_per_second, trained_tokens: _t, ...metrics } = e;
        await events.add({ jobId: this.job.id, type: 'metrics', message: stepMessage(metrics), data: metrics }, now);
        const doneThisRun = e.step - this.resumedFrom;
        const msPerStep = doneThisRun > 0 ? (elapsed_seconds * 1000) / doneThisRun : null;
        const estimatedFinish = msPerStep ? Math.round(now + (e.total_steps - e.step) * msPerStep) : null;
        const stats = e.step === e.total_steps || e.step % 10 === 0 ? { stats: { ...this.job.stats, tokens_per_second } } : {};
        this.job = await jobs.update(this.job.id, { currentStep: e.step, estimatedFinish, ...stats }, now);
        break;
      }
      case 'checkpoint': {
        const final = e.step === this.job.totalSteps;
        const modelId = final ? this.job.stats.planned_model! : checkpointModelName(this.root, this.job.orgId, this.job.suffix, e.step);
        await this.deps.checkpoints.upsert({
          id: newUuid(),
          job_id: this.job.id,
          step: e.step,
          created_at: now,
          path: this.dataRel(e.path),
          metrics: JSON.stringify(e.metrics),
          model_id: modelId,
        });
        // Announced as it is saved (the final step is the model itself), once even when a resumed run saves it again.
        if (!final && e.step > this.recordedUpTo) await events.add({ jobId: this.job.id, message: `Checkpoint created at step ${e.step} with Snapshot ID: ${modelId}`, data: {} }, now);
        break;
      }
      case 'checkpoint_removed': {
        const removed = await this.deps.checkpoints.removeStep(this.job.id, e.step);
        if (removed) await this.deps.catalog.removeCheckpointModel(removed.id);
        break;
      }
      case 'completed':
        this.outcome = { kind: 'completed', trainedTokens: e.trained_tokens, path: e.path };
        if (e.peak_memory_bytes) this.job = await jobs.update(this.job.id, { stats: { ...this.job.stats, peak_memory_bytes: e.peak_memory_bytes } }, now);
        break;
      case 'paused':
        this.outcome = { kind: 'paused', step: e.step };
        break;
      case 'cancelled':
        this.outcome = { kind: 'cancelled', step: e.step };
        break;
      case 'integration':
        // Mistral shows the run's address on the job's integration.
        this.job = await jobs.update(this.job.id, { options: { ...this.job.options, wandbUrl: e.url } }, now);
        await events.add({ jobId: this.job.id, message: `Logging to W&B (${e.mode}): ${e.url}`, data: {} }, now);
        break;
      case 'failed':
        // With several training processes the first to fail says why; the others then fail with it.
        if (this.outcome?.kind !== 'failed') this.outcome = { kind: 'failed', code: e.code, message: e.message };
        break;
    }
    this.deps.signals.emit('changed', this.job.id);
  }

  /** Registers the final and checkpoint models and the results file; returns the job's closing fields. */
  async publishResults(finalPath: string): Promise<{ modelId: string; resultFileId: string }> {
    const { catalog, checkpoints, events, files, clock } = this.deps;
    const job = this.job;
    const modelId = job.stats.planned_model!;
    const now = clock.nowMs();
    const trainingMode = job.resolvedHyperparameters?.training_mode ?? 'full';
    const base = { org_id: job.orgId, project_id: job.projectId, shared_with_org: 0, job_id: job.id, base_model: this.root, model_type: job.jobType, training_mode: trainingMode, created_at: now, name: null, description: null, archived: 0 };
    await catalog.insert({ ...base, id: modelId, checkpoint_id: null, path: this.dataRel(finalPath) });
    for (const ckpt of await checkpoints.all(job.id)) {
      if (ckpt.model_id === modelId) continue;
      await catalog.insert({ ...base, id: ckpt.model_id, checkpoint_id: ckpt.id, path: join(ckpt.path, 'model') });
    }
    const csv = stepMetricsCsv(await events.all(job.id, 'metrics'));
    const content = this.deps.resultFilesBase64 ? Buffer.from(Buffer.from(csv).toString('base64')) : Buffer.from(csv);
    const resultFile = await files.createGenerated(job, job.id, 'step_metrics.csv', content);
    return { modelId, resultFileId: resultFile.id };
  }

  /** A trainer's path as the data-directory-relative path recorded (it may send either). */
  private dataRel(path: string): string {
    return isAbsolute(path) ? relative(this.deps.dataDir, path) : path;
  }

  private async lastRecordedStep(): Promise<number> {
    const [latest] = await this.deps.events.page(this.job.id, 1, undefined, 'metrics');
    return latest?.data ? (JSON.parse(latest.data) as { step: number }).step : 0;
  }

  get current(): Job {
    return this.job;
  }
}
