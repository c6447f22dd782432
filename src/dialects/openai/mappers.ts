import type { CheckpointRow, FileRow, JobEventRow } from '../../db/schema.ts';
import { toOpenAiId } from '../../ids/ids.ts';
import { unixSeconds } from '../../ids/clock.ts';
import type { Integration, Job } from '../../jobs/job.ts';
import type { JobStatus } from '../../jobs/job-status.ts';
import type { UnusableModelFolder } from '../../models/base-models.ts';
import type { CatalogModel } from '../../models/model-catalog.ts';

// Domain records → OpenAI wire objects, keys in the order the real API sends them.

const seconds = (ms: number | null): number | null => (ms == null ? null : unixSeconds(ms));

const STATUS: Record<JobStatus, string> = {
  validating: 'validating_files',
  // A Mistral job created with auto_start=false, validated and waiting for a start request: OpenAI's
  // nearest state is a job that will not go on until asked to, and /resume starts it (jobs.routes.ts).
  validated: 'paused',
  queued: 'queued',
  running: 'running',
  pausing: 'pausing',
  paused: 'paused',
  cancelling: 'cancelled', // OpenAI's cancel is immediate; the worker stops within seconds
  cancelled: 'cancelled',
  succeeded: 'succeeded',
  failed: 'failed',
  failed_validation: 'failed',
};

export const openAiStatus = (s: JobStatus): string => STATUS[s];

/** "auto" until training starts, then the numbers in use; a DPO job's include its beta. */
function hyperparameters(job: Job) {
  const r = job.resolvedHyperparameters;
  const h = job.hyperparameters;
  const dpo = job.methodType === 'dpo';
  if (r && job.startedAt !== null) {
    return { batch_size: r.batch_size, learning_rate_multiplier: r.learning_rate_multiplier, n_epochs: r.n_epochs, ...(dpo ? { beta: r.beta ?? h.beta } : {}) };
  }
  return { batch_size: h.batch_size, learning_rate_multiplier: h.learning_rate_multiplier, n_epochs: h.n_epochs, ...(dpo ? { beta: h.beta ?? 'auto' } : {}) };
}

/** OpenAI's integration shape, whichever API asked for it; unset optional fields are left out, as sent. */
const toWireIntegration = (w: Integration) => ({
  type: w.type,
  wandb: {
    project: w.project,
    ...(w.name ?? w.runName ? { name: w.name ?? w.runName } : {}),
    ...(w.entity ? { entity: w.entity } : {}),
    ...(w.tags.length ? { tags: w.tags } : {}),
  },
});

export function toWireJob(job: Job) {
  const hp = hyperparameters(job);
  return {
    object: 'fine_tuning.job' as const,
    id: toOpenAiId('job', job.id),
    model: job.model,
    created_at: unixSeconds(job.createdAt),
    finished_at: seconds(job.finishedAt),
    fine_tuned_model: job.fineTunedModel,
    organization_id: job.orgId,
    result_files: job.resultFiles.map((id) => toOpenAiId('file', id)),
    status: openAiStatus(job.status),
    validation_file: job.validationFiles[0] ? toOpenAiId('file', job.validationFiles[0]) : null,
    // A Mistral job may train on repositories only.
    training_file: job.trainingFiles[0] ? toOpenAiId('file', job.trainingFiles[0].file_id) : null,
    hyperparameters: job.methodType === 'supervised' ? hp : null,
    trained_tokens: job.trainedTokens,
    error: job.error ?? {},
    user_provided_suffix: job.suffix,
    seed: job.seed,
    estimated_finish: job.status === 'running' ? seconds(job.estimatedFinish) : null,
    integrations: job.integrations.map(toWireIntegration),
    metadata: job.metadata,
    usage_metrics: null,
    shared_with_openai: false,
    eval_id: null,
    method: { type: job.methodType, [job.methodType]: { hyperparameters: hp } },
  };
}

export function toWireEvent(e: JobEventRow) {
  return {
    object: 'fine_tuning.job.event' as const,
    id: toOpenAiId('event', e.id),
    created_at: unixSeconds(Number(e.created_at)),
    level: e.level,
    message: e.message,
    data: e.data == null ? null : JSON.parse(e.data),
    type: e.type,
  };
}

export function toWireCheckpoint(c: CheckpointRow) {
  return {
    object: 'fine_tuning.job.checkpoint' as const,
    id: toOpenAiId('checkpoint', c.id),
    created_at: unixSeconds(Number(c.created_at)),
    fine_tuned_model_checkpoint: c.model_id,
    fine_tuning_job_id: toOpenAiId('job', c.job_id),
    metrics: JSON.parse(c.metrics),
    step_number: c.step,
  };
}

export function toWireFile(f: FileRow) {
  return {
    object: 'file' as const,
    id: toOpenAiId('file', f.id),
    purpose: f.purpose,
    filename: f.filename,
    bytes: Number(f.bytes),
    created_at: unixSeconds(Number(f.created_at)),
    expires_at: seconds(f.expires_at == null ? null : Number(f.expires_at)),
    status: f.status,
    status_details: f.status_details,
  };
}

/** A folder of the models directory that cannot be used (the `include_unusable` extension). */
export const toWireUnusableModel = (f: UnusableModelFolder) => ({
  id: f.id, object: 'model' as const, created: unixSeconds(f.created), owned_by: 'system', selftune_unusable_reason: f.reason,
});

export function toWireModel(m: CatalogModel) {
  const common = { id: m.id, object: 'model' as const, created: unixSeconds(m.created) };
  if (m.kind === 'base') return { ...common, owned_by: 'system', description: m.base.description };
  const what = m.kind === 'checkpoint' ? 'checkpoint of' : 'fine-tuned from';
  return {
    ...common,
    owned_by: m.row.org_id,
    description: `${what} ${m.row.base_model} by job ${toOpenAiId('job', m.row.job_id)} (${m.row.training_mode})`,
    // Extensions: the project it belongs to, and whether the organization's other projects may use it.
    selftune_project_id: m.row.project_id,
    selftune_shared_with_organization: m.row.shared_with_org === 1,
  };
}
