// The wire objects of the OpenAI dialect, as much of them as the dashboard reads.

export interface List<T> {
  object: 'list';
  data: T[];
  has_more?: boolean;
}

export type Auto = 'auto';

export interface Hyperparameters {
  batch_size: number | Auto;
  learning_rate_multiplier: number | Auto;
  n_epochs: number | Auto;
}

export interface Job {
  id: string;
  model: string;
  created_at: number;
  finished_at: number | null;
  fine_tuned_model: string | null;
  status: string;
  training_file: string;
  validation_file: string | null;
  result_files: string[];
  hyperparameters: Hyperparameters | null;
  trained_tokens: number | null;
  error: { code?: string; message?: string; param?: string | null };
  user_provided_suffix: string | null;
  seed: number;
  estimated_finish: number | null;
  metadata: Record<string, string> | null;
  /** `{type, [type]: {hyperparameters}}`: a DPO job's numbers (with beta) are only here. */
  method?: { type: string } & Record<string, { hyperparameters?: Record<string, unknown> } | string>;
  /** selftune's extension: the step reached out of the total, once training has begun. */
  selftune_progress?: { step: number; total_steps: number } | null;
}

export interface StepMetrics {
  step: number;
  total_steps: number;
  train_loss: number;
  train_mean_token_accuracy?: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
}

export interface JobEvent {
  id: string;
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message' | 'metrics';
  data: unknown;
}

export interface Checkpoint {
  id: string;
  created_at: number;
  fine_tuned_model_checkpoint: string;
  step_number: number;
  metrics: Record<string, number | null>;
}

export interface FileObject {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  created_at: number;
  status: string;
  status_details: string | null;
}

export interface Model {
  id: string;
  created: number;
  owned_by: string;
  description?: string;
  /** Only with `include_unusable=true`: why this folder of the models directory cannot be used. */
  selftune_unusable_reason?: string;
}

/** A Hugging Face download into the models folder (the `/v1/model_pulls` extension). */
export interface ModelPull {
  id: string;
  model: string;
  status: 'running' | 'succeeded' | 'failed';
  bytes_done: number;
  bytes_total: number | null;
  files_done: number;
  files_total: number | null;
  error: { code: string; message: string } | null;
}

export const TERMINAL = ['succeeded', 'failed', 'cancelled'];
export const isTerminal = (status: string) => TERMINAL.includes(status);
export const JOB_STATUSES = ['validating_files', 'queued', 'running', 'pausing', 'paused', 'succeeded', 'failed', 'cancelled'];
