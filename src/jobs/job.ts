import type { JobRow } from '../db/schema.ts';
import type { JobStatus } from './job-status.ts';

export type Auto = 'auto';
/** Hyperparameters as asked for: the union of both dialects' fields. */
export interface RequestedHyperparameters {
  n_epochs: number | Auto;
  batch_size: number | Auto;
  learning_rate_multiplier: number | Auto;
  /** Mistral: total optimizer steps instead of epochs. */
  training_steps?: number | null;
  /** Mistral: absolute peak learning rate. */
  learning_rate?: number | null;
  weight_decay?: number | null;
  warmup_fraction?: number | null;
  seq_len?: number | null;
  fim_ratio?: number | null;
  beta?: number | Auto | null;
}

/** The numbers training actually used, reported once it starts. */
export interface ResolvedHyperparameters {
  n_epochs: number;
  batch_size: number;
  learning_rate_multiplier: number;
  learning_rate: number | null;
  training_steps: number | null;
  warmup_fraction: number;
  weight_decay: number;
  seq_len: number;
  training_mode: string | null;
}

export interface JobError {
  code: string;
  message: string;
  param: string | null;
}

export interface TrainingFileRef {
  file_id: string;
  weight: number;
}

/** Measured facts about a job: data size, throughput and where the time went. */
export interface JobStats {
  n_train_examples?: number;
  n_valid_examples?: number;
  planned_model?: string;
  steps_per_epoch?: number;
  tokens_per_second?: number;
  train_tokens_per_epoch?: number;
  device?: string;
  /** Processes the job trained on (one per GPU). */
  world_size?: number;
  /** Mistral's job metadata, worked out at validation (jobs/job-estimate.ts). */
  estimate?: import('./job-estimate.ts').JobEstimate;
  /** Training files with invalid lines skipped (invalid_sample_skip_percentage): file id → filtered copy. */
  filtered_files?: Record<string, string>;
  /** How the job trains to fit the device's memory, planned at validation (planning/memory-plan.ts). */
  plan?: import('../planning/memory-plan.ts').TrainingPlan;
  /** The trainer's measured peak memory (CUDA: most allocated; CPU: the process's peak resident set). */
  peak_memory_bytes?: number;
  /** Millisecond timestamps of each phase boundary (validation, queue wait, worker start, training). */
  timings?: Record<string, number>;
}

export interface Job {
  id: string;
  orgId: string;
  createdVia: 'openai' | 'mistral';
  createdBy: string | null;
  jobType: 'completion' | 'classifier';
  status: JobStatus;
  model: string;
  trainingFiles: TrainingFileRef[];
  validationFiles: string[];
  methodType: 'supervised' | 'dpo' | 'reinforcement';
  hyperparameters: RequestedHyperparameters;
  resolvedHyperparameters: ResolvedHyperparameters | null;
  suffix: string | null;
  seed: number;
  metadata: Record<string, string> | null;
  integrations: unknown[];
  autoStart: boolean;
  options: Record<string, unknown>;
  fineTunedModel: string | null;
  resultFiles: string[];
  trainedTokens: number | null;
  error: JobError | null;
  stats: JobStats;
  totalSteps: number | null;
  currentStep: number;
  estimatedFinish: number | null;
  control: 'pause' | 'cancel' | null;
  recoveries: number;
  createdAt: number;
  modifiedAt: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

const parse = <T>(text: string | null, fallback: T): T => (text == null ? fallback : (JSON.parse(text) as T));

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
    trainedTokens: row.trained_tokens == null ? null : Number(row.trained_tokens),
    error: parse(row.error, null),
    stats: parse(row.stats, {}),
    totalSteps: row.total_steps,
    currentStep: row.current_step,
    estimatedFinish: row.estimated_finish == null ? null : Number(row.estimated_finish),
    control: row.control as Job['control'],
    recoveries: row.recoveries,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
    queuedAt: row.queued_at == null ? null : Number(row.queued_at),
    startedAt: row.started_at == null ? null : Number(row.started_at),
    finishedAt: row.finished_at == null ? null : Number(row.finished_at),
  };
}
