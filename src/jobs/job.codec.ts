import type { JobRow, JobUpdate, NewJobRow } from '../db/schema.ts';
import type { Job, JobChanges } from './job.ts';
import type { JobStatus } from './job-status.ts';

// The one place where a job's JSON columns are parsed and written. Everything
// outside the repository layer sees typed `Job` records and `JobChanges`.

const parse = <T>(text: string | null, fallback: T): T => (text == null ? fallback : (JSON.parse(text) as T));
const json = (value: unknown): string => JSON.stringify(value);
const num = (v: number | string | null): number | null => (v == null ? null : Number(v));

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    orgId: row.org_id,
    createdVia: row.created_via as Job['createdVia'],
    createdBy: row.created_by,
    jobType: row.job_type as Job['jobType'],
    status: row.status as JobStatus,
    model: row.model,
    trainingFiles: parse(row.training_files, []),
    validationFiles: parse(row.validation_files, []),
    methodType: row.method_type as Job['methodType'],
    hyperparameters: parse(row.hyperparameters, { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' }),
    resolvedHyperparameters: parse(row.resolved_hyperparameters, null),
    suffix: row.suffix,
    seed: Number(row.seed),
    metadata: parse(row.metadata, null),
    integrations: parse(row.integrations, []),
    autoStart: row.auto_start === 1,
    options: parse(row.options, {}),
    fineTunedModel: row.fine_tuned_model,
    resultFiles: parse(row.result_files, []),
    trainedTokens: num(row.trained_tokens),
    error: parse(row.error, null),
    stats: parse(row.stats, {}),
    totalSteps: row.total_steps,
    currentStep: row.current_step,
    estimatedFinish: num(row.estimated_finish),
    control: row.control as Job['control'],
    recoveries: row.recoveries,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
    queuedAt: num(row.queued_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
  };
}

/** A new job's row: no lease yet. */
export function newJobRow(job: Job): NewJobRow {
  return {
    id: job.id,
    org_id: job.orgId,
    created_via: job.createdVia,
    created_by: job.createdBy,
    job_type: job.jobType,
    model: job.model,
    training_files: json(job.trainingFiles),
    validation_files: json(job.validationFiles),
    method_type: job.methodType,
    hyperparameters: json(job.hyperparameters),
    suffix: job.suffix,
    seed: job.seed,
    metadata: job.metadata ? json(job.metadata) : null,
    auto_start: job.autoStart ? 1 : 0,
    locked_by: null,
    lease_expires_at: null,
    created_at: job.createdAt,
    ...jobChangesToRow(job),
    // jobChangesToRow leaves modified_at to the repository; a new job was modified when created.
    modified_at: job.modifiedAt,
  } as NewJobRow;
}

/** Encodes typed changes into the columns they touch (absent keys stay untouched). */
export function jobChangesToRow(c: JobChanges): JobUpdate {
  const row: JobUpdate = {};
  if (c.status !== undefined) row.status = c.status;
  if (c.resolvedHyperparameters !== undefined) row.resolved_hyperparameters = c.resolvedHyperparameters === null ? null : json(c.resolvedHyperparameters);
  if (c.options !== undefined) row.options = json(c.options);
  if (c.integrations !== undefined) row.integrations = json(c.integrations);
  if (c.fineTunedModel !== undefined) row.fine_tuned_model = c.fineTunedModel;
  if (c.resultFiles !== undefined) row.result_files = json(c.resultFiles);
  if (c.trainedTokens !== undefined) row.trained_tokens = c.trainedTokens;
  if (c.error !== undefined) row.error = c.error === null ? null : json(c.error);
  if (c.stats !== undefined) row.stats = json(c.stats);
  if (c.totalSteps !== undefined) row.total_steps = c.totalSteps;
  if (c.currentStep !== undefined) row.current_step = c.currentStep;
  if (c.estimatedFinish !== undefined) row.estimated_finish = c.estimatedFinish;
  if (c.control !== undefined) row.control = c.control;
  if (c.recoveries !== undefined) row.recoveries = c.recoveries;
  if (c.queuedAt !== undefined) row.queued_at = c.queuedAt;
  if (c.startedAt !== undefined) row.started_at = c.startedAt;
  if (c.finishedAt !== undefined) row.finished_at = c.finishedAt;
  if (c.lockedBy !== undefined) row.locked_by = c.lockedBy;
  if (c.leaseExpiresAt !== undefined) row.lease_expires_at = c.leaseExpiresAt;
  return row;
}
