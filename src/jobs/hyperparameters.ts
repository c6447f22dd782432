import type { RequestedHyperparameters, ResolvedHyperparameters } from './job.ts';

// How "auto" hyperparameters (and Mistral's unspecified length) become numbers.
// OpenAI does not publish its rule; these follow what it documents, with changes
// measured on selftune-tiny (bench/RESULTS.md, "Auto hyperparameters"):
// - n_epochs: 3, fewer for huge sets so that about 25k examples are seen (the
//   cookbook's rule). Small sets get more passes so that at least
//   MIN_EXAMPLES_SEEN examples are trained on (at most 50 passes, the API's
//   limit). OpenAI's own floor of 100 examples gives a 24-example set 4 passes
//   (96 optimizer steps), after which the demo model answered nothing it was
//   taught; 600 left its longest answer wrong, 1000 learned every one with a
//   margin. Learning a fact takes many updates whatever the set's size. A
//   classifier example teaches one label per target where a completion example
//   teaches every answer token, so classifier jobs need four times the
//   examples: 400-example multi-label sets reached 0.30-0.90 held-out exact-set
//   accuracy after 3 passes and 0.755-0.99 after 10.
// - batch_size: 1 for small sets, then the power of two at or below n/64 (at most 32),
//   so an epoch is at least 64 optimizer steps.
// - learning_rate_multiplier: the square-root scaling rule for Adam on the batch
//   size (1 at batch 1), multiplying the base model's base learning rate.
// - warmup_fraction: 10% of the steps when the request sets none, so the first
//   updates from a cold optimizer state do not overshoot.
// DPO:
// - beta: 0.1, the standard default (the DPO paper's experiments, TRL's DPOConfig).
// - n_epochs: 3, fewer for huge sets as above, but no extra passes for small
//   sets: repeating a pair only pushes its margin further from the reference
//   (over-optimisation), it teaches nothing new.
// - learning_rate_multiplier: a tenth of the supervised rule. DPO is usually run
//   an order of magnitude below supervised learning rates (TRL: 1e-6 against
//   2e-5); on selftune-tiny 0.1 took 32 held-out pairs' mean log-probability
//   margin from -6.8 to +23.9 in 3 epochs, where 1.0 sent it to +57.
// - batch_size: the supervised rule, counting pairs.

const TARGET_EPOCHS = 3;
export const MIN_EXAMPLES_SEEN = { completion: 1000, classifier: 4000 };
const MAX_EXAMPLES_SEEN = 25_000;
const MAX_AUTO_EPOCHS = 50;
export const AUTO_WARMUP_FRACTION = 0.1;
export const AUTO_BETA = 0.1;
const DPO_LR_SCALE = 0.1;

export type JobKind = keyof typeof MIN_EXAMPLES_SEEN;

export function autoEpochs(nExamples: number, kind: JobKind = 'completion'): number {
  const n = Math.max(1, nExamples);
  const least = MIN_EXAMPLES_SEEN[kind];
  if (n * TARGET_EPOCHS < least) return Math.min(MAX_AUTO_EPOCHS, Math.ceil(least / n));
  if (n * TARGET_EPOCHS > MAX_EXAMPLES_SEEN) return Math.max(1, Math.floor(MAX_EXAMPLES_SEEN / n));
  return TARGET_EPOCHS;
}

export function autoBatchSize(nExamples: number): number {
  const power = Math.floor(Math.log2(Math.max(1, nExamples / 64)));
  return Math.min(32, Math.max(1, 2 ** power));
}

export const autoLearningRateMultiplier = (batchSize: number): number => Math.round(Math.sqrt(batchSize) * 100) / 100;

export interface ResolveContext {
  nExamples: number;
  jobType: JobKind;
  defaultSeqLen: number;
  /** The job's fine-tuning method; DPO has rules of its own (above). Supervised when not given. */
  method?: 'supervised' | 'dpo' | 'reinforcement';
}

/** DPO's passes: TARGET_EPOCHS, fewer for huge sets, never more for small ones (see above). */
export const autoDpoEpochs = (nPairs: number): number => Math.max(1, Math.min(TARGET_EPOCHS, Math.floor(MAX_EXAMPLES_SEEN / Math.max(1, nPairs))));

export function resolveHyperparameters(req: RequestedHyperparameters, ctx: ResolveContext): ResolvedHyperparameters {
  const dpo = ctx.method === 'dpo';
  const batchSize = req.batch_size === 'auto' ? autoBatchSize(ctx.nExamples) : Math.min(req.batch_size, ctx.nExamples);
  const stepsPerEpoch = Math.ceil(ctx.nExamples / batchSize);
  // Mistral's `epochs` may be fractional: that many passes, as a number of steps.
  const fractional = typeof req.n_epochs === 'number' && !Number.isInteger(req.n_epochs) ? Math.max(1, Math.round(req.n_epochs * stepsPerEpoch)) : null;
  const trainingSteps = req.training_steps ?? fractional;
  const autoN = () => (dpo ? autoDpoEpochs(ctx.nExamples) : autoEpochs(ctx.nExamples, ctx.jobType));
  const nEpochs = trainingSteps ? Math.round((trainingSteps / stepsPerEpoch) * 1000) / 1000 : req.n_epochs === 'auto' ? autoN() : req.n_epochs;
  const autoLr = () => (dpo ? Math.round(autoLearningRateMultiplier(batchSize) * DPO_LR_SCALE * 100) / 100 : autoLearningRateMultiplier(batchSize));
  return {
    n_epochs: nEpochs,
    batch_size: batchSize,
    learning_rate_multiplier: req.learning_rate_multiplier === 'auto' ? autoLr() : req.learning_rate_multiplier,
    learning_rate: req.learning_rate ?? null,
    training_steps: trainingSteps,
    warmup_fraction: req.warmup_fraction ?? AUTO_WARMUP_FRACTION,
    weight_decay: req.weight_decay ?? 0,
    seq_len: req.seq_len ?? ctx.defaultSeqLen,
    training_mode: null,
    ...(dpo ? { beta: req.beta == null || req.beta === 'auto' ? AUTO_BETA : req.beta } : {}),
  };
}

export const stepsFor = (r: ResolvedHyperparameters, nExamples: number): number =>
  r.training_steps ?? Math.ceil(nExamples / r.batch_size) * r.n_epochs;
