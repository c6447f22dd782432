import type { CheckpointRow, JobEventRow } from '../../db/schema.ts';
import { unixSeconds } from '../../ids/clock.ts';
import type { Job } from '../../jobs/job.ts';
import type { JobStatus } from '../../jobs/job-status.ts';
import type { MistralStatus } from './job.schemas.ts';
import { classifierTargetsOf, repositoriesOf, wandbOf } from './job-options.ts';

// Domain jobs → Mistral's CompletionJobOut / ClassifierJobOut and their detailed
// variants. The SDK's zod schemas reject missing required fields, float
// timestamps, unknown statuses and null arrays, so every field is always set.

const STATUS: Record<JobStatus, MistralStatus> = {
  validating: 'VALIDATING',
  validated: 'VALIDATED',
  queued: 'QUEUED',
  running: 'RUNNING',
  pausing: 'RUNNING', // Mistral has no pause; the OpenAI dialect's pause looks like a job still running…
  paused: 'QUEUED', // …then like one waiting for a slot
  cancelling: 'CANCELLATION_REQUESTED',
  cancelled: 'CANCELLED',
  succeeded: 'SUCCESS',
  failed: 'FAILED',
  failed_validation: 'FAILED_VALIDATION',
};

export const mistralStatus = (s: JobStatus): MistralStatus => STATUS[s];
/** The domain statuses shown as `status` (for the list filter). */
export const statusesShownAs = (status: MistralStatus): JobStatus[] =>
  (Object.keys(STATUS) as JobStatus[]).filter((s) => STATUS[s] === status);

const seconds = (ms: number | null | undefined): number | null => (ms == null ? null : unixSeconds(ms));

function hyperparameters(job: Job) {
  const req = job.hyperparameters;
  const used = job.startedAt !== null ? job.resolvedHyperparameters : null;
  const estimate = job.stats.estimate;
  const epochs = used?.n_epochs ?? estimate?.epochs ?? (typeof req.n_epochs === 'number' ? req.n_epochs : null);
  return {
    training_steps: used?.training_steps ?? req.training_steps ?? estimate?.training_steps ?? null,
    // Required as a number by the SDK; jobs created through OpenAI show Mistral's default until they start.
    learning_rate: used?.learning_rate ?? req.learning_rate ?? 0.0001,
    weight_decay: req.weight_decay ?? used?.weight_decay ?? null,
    warmup_fraction: req.warmup_fraction ?? used?.warmup_fraction ?? null,
    epochs,
    seq_len: req.seq_len ?? used?.seq_len ?? null,
    ...(job.jobType === 'completion' ? { fim_ratio: req.fim_ratio ?? null } : {}),
  };
}

function metadata(job: Job) {
  const e = job.stats.estimate;
  return {
    expected_duration_seconds: e?.expected_duration_seconds ?? null,
    cost: e?.cost ?? null,
    cost_currency: e?.cost_currency ?? null,
    train_tokens_per_step: e?.train_tokens_per_step ?? null,
    train_tokens: e?.train_tokens ?? null,
    data_tokens: e?.data_tokens ?? null,
    estimated_start_time: seconds(job.startedAt),
  };
}

export function toJobOut(job: Job) {
  const common = {
    id: job.id,
    auto_start: job.autoStart,
    model: job.model,
    status: mistralStatus(job.status),
    created_at: unixSeconds(job.createdAt),
    modified_at: unixSeconds(job.modifiedAt),
    training_files: job.trainingFiles.map((f) => f.file_id),
    validation_files: job.validationFiles,
    object: 'job' as const,
    fine_tuned_model: job.fineTunedModel,
    suffix: job.suffix,
    integrations: wandbOf(job),
    trained_tokens: job.trainedTokens,
    metadata: metadata(job),
    hyperparameters: hyperparameters(job),
  };
  if (job.jobType === 'classifier') return { ...common, job_type: 'classifier' as const };
  return { ...common, job_type: 'completion' as const, repositories: repositoriesOf(job) };
}

export function toDetailedJobOut(job: Job, events: JobEventRow[], checkpoints: CheckpointRow[]) {
  const detailed = { ...toJobOut(job), events: toEventsOut(job, events), checkpoints: checkpoints.map(toCheckpointOut) };
  return job.jobType === 'classifier' ? { ...detailed, classifier_targets: classifierTargetsOf(job) } : detailed;
}

/** One `status-updated` per change of the Mistral-visible status, oldest first, plus skipped-sample reports. */
export function toEventsOut(job: Job, rows: JobEventRow[]) {
  const out: Array<{ name: string; data: Record<string, unknown>; created_at: number }> = [];
  let shown: MistralStatus | null = null;
  for (const row of rows) {
    const data = row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {};
    if (data.skipped_samples !== undefined) {
      out.push({ name: 'samples-skipped', data: { ...data, message: row.message }, created_at: unixSeconds(Number(row.created_at)) });
    }
    if (!row.status) continue;
    const status = mistralStatus(row.status as JobStatus);
    if (status === shown) continue;
    shown = status;
    const failure = status === 'FAILED' || status === 'FAILED_VALIDATION' ? { error: job.error?.message ?? row.message } : {};
    out.push({ name: 'status-updated', data: { status, ...failure }, created_at: unixSeconds(Number(row.created_at)) });
  }
  return out;
}

export function toCheckpointOut(c: CheckpointRow) {
  const m = JSON.parse(c.metrics) as Record<string, number | undefined>;
  return {
    metrics: {
      train_loss: m.train_loss ?? null,
      valid_loss: m.full_valid_loss ?? m.valid_loss ?? null,
      valid_mean_token_accuracy: m.full_valid_mean_token_accuracy ?? m.valid_mean_token_accuracy ?? null,
    },
    step_number: c.step,
    created_at: unixSeconds(Number(c.created_at)),
  };
}
