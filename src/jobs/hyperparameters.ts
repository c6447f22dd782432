import type { RequestedHyperparameters, ResolvedHyperparameters } from './job.ts';

// How "auto" hyperparameters become numbers. OpenAI does not publish its rule;
// these follow what it documents and what is observed:
// - n_epochs: the cookbook's rule — 3, raised for small sets so that about 100
//   examples are seen (at most 25 epochs), lowered for huge sets to ~25k.
// - batch_size: 1 for small sets (as observed from OpenAI), growing as a power
//   of two with the data (n/64), at most 32.
// - learning_rate_multiplier: the square-root scaling rule on the batch size
//   (1 at batch 1), multiplying the base model's base learning rate.

export function autoEpochs(nExamples: number): number {
  if (nExamples * 3 < 100) return Math.min(25, Math.floor(100 / Math.max(1, nExamples)));
  if (nExamples * 3 > 25000) return Math.max(1, Math.floor(25000 / nExamples));
  return 3;
}

export function autoBatchSize(nExamples: number): number {
  const power = Math.floor(Math.log2(Math.max(1, nExamples / 64)));
  return Math.min(32, Math.max(1, 2 ** power));
}

export const autoLearningRateMultiplier = (batchSize: number): number => Math.round(Math.sqrt(batchSize) * 100) / 100;

export interface ResolveContext {
  nExamples: number;
  defaultSeqLen: number;
}

export function resolveHyperparameters(req: RequestedHyperparameters, ctx: ResolveContext): ResolvedHyperparameters {
  const batchSize = req.batch_size === 'auto' ? autoBatchSize(ctx.nExamples) : Math.min(req.batch_size, ctx.nExamples);
  const stepsPerEpoch = Math.ceil(ctx.nExamples / batchSize);
  // Mistral's `epochs` may be fractional: that many passes, as a number of steps.
  const fractional = typeof req.n_epochs === 'number' && !Number.isInteger(req.n_epochs) ? Math.max(1, Math.round(req.n_epochs * stepsPerEpoch)) : null;
  const trainingSteps = req.training_steps ?? fractional;
  const nEpochs = trainingSteps
    ? Math.round((trainingSteps / stepsPerEpoch) * 1000) / 1000
    : req.n_epochs === 'auto'
      ? autoEpochs(ctx.nExamples)
      : req.n_epochs;
  return {
    n_epochs: nEpochs,
    batch_size: batchSize,
    learning_rate_multiplier:
      req.learning_rate_multiplier === 'auto' ? autoLearningRateMultiplier(batchSize) : req.learning_rate_multiplier,
    learning_rate: req.learning_rate ?? null,
    training_steps: trainingSteps,
    warmup_fraction: req.warmup_fraction ?? 0,
    weight_decay: req.weight_decay ?? 0,
    seq_len: req.seq_len ?? ctx.defaultSeqLen,
    training_mode: null,
  };
}

export const stepsFor = (r: ResolvedHyperparameters, nExamples: number): number =>
  r.training_steps ?? Math.ceil(nExamples / r.batch_size) * r.n_epochs;
