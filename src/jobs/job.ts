import type { TrainingPlan } from '../planning/memory-plan.ts';
import type { JobEstimate } from './job-estimate.ts';
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
  /** DPO: the strength of the pull towards the reference model; absent for other methods. */
  beta?: number;
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
  /** Cost and duration, worked out at validation when the job asks for it (jobs/job-estimate.ts). */
  estimate?: JobEstimate;
  /** Training files with invalid lines skipped (invalid_sample_skip_percentage): file id → filtered copy. */
  filtered_files?: Record<string, string>;
  /** How the job trains to fit the device's memory, planned at validation (planning/memory-plan.ts). */
  plan?: TrainingPlan;
  /** The trainer's measured peak memory (CUDA: most allocated; CPU: the process's peak resident set). */
  peak_memory_bytes?: number;
  /** Millisecond timestamps of each phase boundary (validation, queue wait, worker start, training). */
  timings?: Record<string, number>;
}

/** A git repository whose text files become training samples. */
export interface RepositoryInput {
  type: 'github';
  owner: string;
  name: string;
  /** The branch or tag to clone; the default branch's name once resolved. */
  ref: string | null;
  weight: number;
  /** The commit `ref` named when the job was created, then the commit validation cloned. */
  commitId: string | null;
  /** The clone's access token, sealed once stored (secrets/secret-box.ts): kept only until validation has cloned the repository, then erased. */
  token: string | null;
  /** The samples validation wrote: one `{"text"}` line per text file of the tree. */
  samples: { path: string; count: number } | null;
}

/** One head of a classifier job: a target and its labels. */
export interface ClassifierTarget {
  name: string;
  labels: string[];
  weight: number;
  lossFunction: 'single_class' | 'multi_class';
}

/**
 * What a job asks of training beyond files and hyperparameters. Wherever the
 * two APIs behave differently, the request mapper decides it here, so the
 * domain never asks which API created a job.
 */
export interface JobOptions {
  /** The share of a training file's lines (0–0.5) that may be invalid and are then skipped instead of failing validation. */
  invalidSampleSkipPercentage: number;
  repositories: RepositoryInput[];
  /** Given with the job, or read from the data at validation; null until known (and for completion jobs). */
  classifierTargets: ClassifierTarget[] | null;
  /** The address of the W&B run, once the trainer reports it. */
  wandbUrl: string | null;
  /** How the learning rate decays after warm-up. */
  lrSchedule: 'linear' | 'cosine';
  /** The scheme the fine-tuned model's name follows (models/model-names.ts). */
  modelNaming: 'openai' | 'mistral';
  /** Work out cost and duration at validation (tokenizes the data, so only when a client shows it). */
  estimate: boolean;
}

/**
 * A W&B integration, whichever API asked for it. Mistral's requests carry the
 * run's API key: it is stored sealed (secrets/secret-box.ts) and opened only
 * for the trainer's environment; OpenAI's carry none.
 */
export interface WandbIntegration {
  type: 'wandb';
  project: string;
  name: string | null;
  runName: string | null;
  entity: string | null;
  tags: string[];
  /** The W&B API key, in its stored (sealed) form once the job is saved; never shown by an API. */
  apiKey?: string | null;
}
export type Integration = WandbIntegration;

export interface Job {
  id: string;
  orgId: string;
  /** The project the job, its checkpoints, events, result files and models belong to. */
  projectId: string;
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
  integrations: Integration[];
  autoStart: boolean;
  options: JobOptions;
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
