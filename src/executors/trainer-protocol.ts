// The runner protocol between the server and the Python trainer: one JSON
// object per line on the trainer's stdout, one command per line on its stdin.
// (trainer/selftune_trainer/protocol.py is the other side.)

/**
 * DPO's figures beside its loss, for the training step and each evaluation: the mean
 * reward margin (beta × the preferred answer's log-probability gain over the reference,
 * minus the non-preferred one's) and the share of pairs whose preferred reward is higher.
 * A DPO run's mean_token_accuracy is the policy's on the preferred answers.
 */
export interface PreferenceMetrics {
  train_reward_margin?: number;
  train_reward_accuracy?: number;
  valid_reward_margin?: number;
  valid_reward_accuracy?: number;
  full_valid_reward_margin?: number;
  full_valid_reward_accuracy?: number;
}

export interface StepMetrics extends PreferenceMetrics {
  step: number;
  train_loss: number;
  train_mean_token_accuracy: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
  full_valid_loss?: number;
  full_valid_mean_token_accuracy?: number;
}

export type TrainerEvent =
  | { event: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | {
      event: 'started';
      device: string;
      dtype: string;
      training_mode: 'full' | 'lora';
      parameters: number;
      trainable_parameters: number;
      n_train_examples: number;
      n_valid_examples: number;
      steps_per_epoch: number;
      total_steps: number;
      n_epochs: number;
      batch_size: number;
      batch_tokens?: number | null;
      micro_batch_tokens?: number | null;
      packing?: boolean;
      gradient_checkpointing?: boolean;
      /** Training processes (one per GPU; 1 on CPU unless asked). */
      world_size?: number;
      learning_rate: number;
      resumed_from_step: number;
      train_tokens_per_epoch: number;
    }
  | (StepMetrics & {
      event: 'step';
      total_steps: number;
      epoch: number;
      step_tokens: number;
      trained_tokens: number;
      tokens_per_second: number;
      elapsed_seconds: number;
      /** Share of the step's positions that were padding (0 with packing). */
      padding_fraction?: number;
    })
  | { event: 'checkpoint'; step: number; epoch: number; path: string; metrics: StepMetrics }
  | { event: 'checkpoint_removed'; step: number }
  | { event: 'integration'; type: 'wandb'; url: string; mode: string }
  | { event: 'paused'; step: number; path: string }
  | { event: 'cancelled'; step: number }
  | { event: 'completed'; step: number; trained_tokens: number; path: string; peak_memory_bytes?: number }
  | { event: 'failed'; code: string; message: string };

export type TrainerCommand = { command: 'pause' } | { command: 'cancel' };

/** Parses one stdout line; anything that is not a protocol event is returned as plain log text. */
export function parseTrainerLine(line: string): TrainerEvent | null {
  const text = line.trim();
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { event?: unknown };
    if (value && typeof value === 'object' && typeof value.event === 'string') return value as TrainerEvent;
  } catch {
    // fall through: stray output from a library
  }
  return { event: 'log', level: 'info', message: text.slice(0, 2000) };
}

/** What the server hands the trainer (written as spec.json in the run directory). */
export interface TrainerSpec {
  job_id: string;
  base_model_path: string;
  /** The base's model id, which saved LoRA adapters name as their base (never a server path). */
  base_model_id: string | null;
  output_dir: string;
  training_files: Array<{ path: string; weight: number }>;
  validation_files: Array<{ path: string }>;
  n_epochs: number | null;
  training_steps: number | null;
  batch_size: number;
  /** Tokens per optimizer step; when set, batch_size is ignored. */
  batch_tokens: number | null;
  /** Most tokens in one forward pass; a larger step accumulates gradients. Null: one pass per step. */
  micro_batch_tokens: number | null;
  /** Padding-free packing of each pass's examples into one row. */
  packing: boolean;
  gradient_checkpointing: boolean;
  learning_rate_multiplier: number;
  learning_rate: number | null;
  warmup_fraction: number;
  lr_decay: 'linear' | 'cosine' | 'constant';
  weight_decay: number;
  seed: number;
  max_seq_len: number;
  training_mode: 'auto' | 'full' | 'lora';
  lora: { r: number; alpha: number; dropout: number; target_modules: string };
  eval_every: number;
  keep_checkpoints: number;
  resume: boolean;
  /** Resume from a restart point at or below this step (the last one the server recorded); null: the newest. */
  resume_max_step: number | null;
  task: 'completion' | 'classifier';
  /** supervised: learn the answers; dpo: prefer each pair's preferred answer over the other (beta set). */
  method: 'supervised' | 'dpo';
  beta: number | null;
  classifier_targets: Array<{ name: string; labels: string[]; weight: number; loss_function: 'single_class' | 'multi_class' }>;
  /**
   * Object storage that mirrors the data directory (SELFTUNE_BLOB_URL), or null. When set, the
   * spec's paths (base model, files, output_dir) are data-directory-relative: they resolve below
   * `local_root` on the trainer's machine, and what is missing there is downloaded from
   * `<prefix>/<path>` first (inputs, the base model, the newest resume point up to
   * resume_max_step). Checkpoints, the pause point and the final weights are uploaded before their
   * event is emitted; pruned checkpoints are deleted there too. Credentials come from the
   * trainer's environment (AWS_*).
   */
  object_store: { bucket: string; prefix: string; endpoint_url: string | null; region: string | null; local_root: string } | null;
  /** Log the run to W&B (the job's first wandb integration). */
  wandb: { project: string; name: string | null; entity: string | null; tags: string[] } | null;
}
