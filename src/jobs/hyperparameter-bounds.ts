import { z } from 'zod';

/**
 * The range of every numeric training setting either dialect accepts, in one
 * place (the README lists them). Where the API documents a range we take it;
 * where it documents only a floor we set a ceiling a demanding user will not
 * hit but that keeps absurd values (2^53 steps, a 10^12-token sequence, a
 * sampling weight of 1e308 that turns into NaN) out of the trainer.
 */
export interface Bound {
  min: number;
  /** The minimum itself is excluded (`> 0`). */
  exclusiveMin?: boolean;
  max: number;
  integer?: boolean;
}

export const HYPERPARAMETER_BOUNDS = {
  // OpenAI (documented ranges, except where noted).
  n_epochs: { min: 1, max: 50, integer: true },
  batch_size: { min: 1, max: 256, integer: true },
  /** OpenAI says only "> 0"; above 10x the base rate training diverges. */
  learning_rate_multiplier: { min: 0, exclusiveMin: true, max: 10 },
  beta: { min: 0, exclusiveMin: true, max: 2 },
  seed: { min: 0, max: 2_147_483_647, integer: true },
  // Mistral (documented floors; the ceilings are ours).
  /** A million updates: weeks of training on one GPU even for a small model. */
  training_steps: { min: 1, max: 1_000_000, integer: true },
  learning_rate: { min: 1e-8, max: 1 },
  weight_decay: { min: 0, max: 1 },
  warmup_fraction: { min: 0, max: 1 },
  /** Fractional passes allowed, as Mistral does; twice OpenAI's 50. */
  epochs: { min: 0, exclusiveMin: true, max: 100 },
  /** 128k tokens: the longest context of today's open models. */
  seq_len: { min: 100, max: 131_072, integer: true },
  fim_ratio: { min: 0, max: 1 },
  invalid_sample_skip_percentage: { min: 0, max: 0.5 },
  /** Relative sampling weight of a training file or repository: finite, > 0, at most 1000x another. */
  input_weight: { min: 0, exclusiveMin: true, max: 1000 },
  /** A classifier target's share of the loss (0 switches it off). */
  target_weight: { min: 0, max: 1000 },
} as const satisfies Record<string, Bound>;

export type BoundedSetting = keyof typeof HYPERPARAMETER_BOUNDS;

/** A zod number for one setting, refusing values outside its range with a message that states the range. */
export function boundedNumber(setting: BoundedSetting) {
  const b: Bound = HYPERPARAMETER_BOUNDS[setting];
  const range = `${b.exclusiveMin ? `greater than ${b.min}` : `at least ${b.min}`} and at most ${b.max}`;
  let schema = b.integer ? z.number().int(`must be an integer ${range}`) : z.number();
  schema = b.exclusiveMin ? schema.gt(b.min, `must be ${range}`) : schema.min(b.min, `must be ${range}`);
  return schema.max(b.max, `must be ${range}`);
}
