import type { ModelFacts } from './model-facts.ts';

export type TrainingMode = 'full' | 'lora';

/**
 * Training FLOPs per token: forward 2N plus backward 4N over the matmul
 * parameters for full fine-tuning, 2N for LoRA (no weight gradients of the
 * frozen base), plus causal attention over rows of `rowTokens`; gradient
 * checkpointing runs the forward twice. The trainer's device probe uses the same
 * formula (selftune_trainer/device_probe.py), so its FLOP/s applies here.
 */
export function trainingFlopsPerToken(facts: ModelFacts, mode: TrainingMode, rowTokens: number, gradientCheckpointing = false): number {
  const matmul = facts.parameters - facts.embeddingParameters;
  const factor = (mode === 'full' ? 6 : 4) + (gradientCheckpointing ? 2 : 0);
  return factor * matmul + factor * facts.layers * facts.hiddenSize * rowTokens;
}
