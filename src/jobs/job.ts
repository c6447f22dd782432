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

/**
 * What a status change or a progress report may set on a job, in the job's own
 * typed fields. The repository encodes them (jobs/job.codec.ts); nothing else
 * writes the stored columns. `lockedBy`/`leaseExpiresAt` belong to the queue's
 * lease and are cleared together with a status change when a lost worker's job
 * is taken back.
 */
export type JobChanges = Partial<
  Pick<
    Job,
    | 'status'
    | 'resolvedHyperparameters'
    | 'options'
    | 'integrations'
    | 'fineTunedModel'
    | 'resultFiles'
    | 'trainedTokens'
    | 'error'
    | 'stats'
    | 'totalSteps'
    | 'currentStep'
    | 'estimatedFinish'
    | 'control'
    | 'recoveries'
    | 'queuedAt'
    | 'startedAt'
    | 'finishedAt'
  >
> & { lockedBy?: null; leaseExpiresAt?: null };
