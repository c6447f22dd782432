import type { TrainingMode } from './flops.ts';
import type { ModelFacts } from './model-facts.ts';

/** The device as the planner sees it (from the measured device profile). */
export interface DeviceMemory {
  kind: 'cpu' | 'cuda';
  memoryBytes: number;
  /** What a trainer process holds before any model: the interpreter and libraries on CPU, the CUDA context on a GPU. */
  baselineBytes: number;
  /** Frozen weights in bf16 and activations under bf16 autocast. */
  bf16: boolean;
}

export interface LoraSettings {
  r: number;
  /** "all-linear", a module name, or a list of module names (as peft takes them). */
  target_modules: string | string[];
}

/** One way to run the job: what the trainer is told. */
export interface TrainingSettings {
  mode: TrainingMode;
  lora: LoraSettings;
  /** Most tokens in one forward pass. */
  passTokens: number;
  /** Longest row attention spans (a packed pass is one row). */
  rowTokens: number;
  gradientCheckpointing: boolean;
  task: 'completion' | 'classifier';
}

export const MEMORY_PARTS = ['baseline', 'weights', 'gradients', 'optimizer', 'activations', 'logits'] as const;
export type MemoryPart = (typeof MEMORY_PARTS)[number];

export interface MemoryEstimate {
  /** The most likely peak and the bracket the real peak should fall in (bytes). */
  peak: number;
  low: number;
  high: number;
  /** The most likely figure of each part at the training peak. */
  breakdown: Record<MemoryPart, number>;
  /** Loading the weights (file pages mapped next to the model) peaks above training for some LoRA jobs on CPU. */
  loading: number;
}

type Range = readonly [low: number, high: number];
const mid = ([lo, hi]: Range) => (lo + hi) / 2;
const FP32 = 4;

/** Trainable LoRA parameters: r × (rows + cols) for each adapted weight of the decoder layers. */
export function loraParameters(facts: ModelFacts, lora: LoraSettings): number {
  const targets = lora.target_modules;
  const adapted = (name: string) => {
    const module = name.replace(/\.weight$/, '');
    if (targets === 'all-linear') return true;
    const list = typeof targets === 'string' ? [targets] : targets;
    return list.some((t) => module === t || module.endsWith(`.${t}`));
  };
  return facts.layerLinears.filter((l) => adapted(l.name)).reduce((n, l) => n + lora.r * (l.rows + l.cols), 0);
}

/**
 * Peak memory of one training job, part by part, with a low/high bracket.
 * Weights, gradients and AdamW state (two fp32 moments) are exact counts;
 * activations and the loss's logits are per-token estimates whose bracket
 * covers the attention kernel (memory-efficient vs. a full score matrix) and
 * the copies autograd keeps. Checked against measured peaks by
 * test/planning/memory-plan.test.ts.
 */
export function estimateMemory(facts: ModelFacts, device: DeviceMemory, s: TrainingSettings): MemoryEstimate {
  const full = s.mode === 'full';
  const trainable = full ? facts.parameters : loraParameters(facts, s.lora);
  const frozenBytes = full ? 0 : facts.parameters * (device.bf16 ? 2 : FP32);
  const act = device.bf16 ? 2 : FP32;
  const d = facts.hiddenSize;
  const kv = (facts.kvHeads / facts.heads) * d;
  const i = facts.intermediateSize;
  const t = s.passTokens;
  // Per token per layer: norms, q/k/v, rotary copies, attention output, the MLP's gate/up/product.
  const perLayerToken: Range = [act * (6 * d + 2 * kv + 3 * i), FP32 * (12 * d + 4 * kv + 5 * i)];
  // LoRA's dropout keeps a copy of each adapted input.
  const loraToken: Range = full ? [0, 0] : [0, act * (6 * d + i)];
  // A full softmax score matrix (attention without a fused kernel) per layer.
  const scores = FP32 * 2 * facts.heads * s.rowTokens;
  const layerBytes = (k: 0 | 1, withScores: boolean) => t * (perLayerToken[k] + loraToken[k] + (withScores ? scores : 0));
  const activations: Range = s.gradientCheckpointing
    ? [facts.layers * t * d * act + layerBytes(0, false), facts.layers * t * d * FP32 + 3 * layerBytes(1, true)]
    : [facts.layers * layerBytes(0, false), (facts.layers + 2) * layerBytes(1, true)];
  // Logits, their log-softmax and its gradient, in fp32 (the loss is computed in fp32).
  const logits: Range = s.task === 'completion' ? [2 * t * facts.vocabSize * FP32, 5 * t * facts.vocabSize * FP32] : [0, t * facts.vocabSize * FP32];
  const baseline: Range = [0.9 * device.baselineBytes, 1.15 * device.baselineBytes + 96 * 2 ** 20];
  const weights = frozenBytes + trainable * FP32;
  const parts: Record<MemoryPart, Range> = {
    baseline,
    weights: [weights, weights],
    gradients: [trainable * FP32, trainable * FP32],
    optimizer: [2 * trainable * FP32, 2 * trainable * FP32],
    activations,
    logits,
  };
  const sum = (k: 0 | 1) => MEMORY_PARTS.reduce((n, p) => n + parts[p][k], 0);
  // On CPU the weight files are mapped while the model is built, next to its tensors.
  const loadingRange: Range = device.kind === 'cpu'
    ? [baseline[0] + weights, baseline[1] + weights + facts.weightFileBytes]
    : [weights, weights * 1.1];
  const low = Math.max(sum(0), loadingRange[0]);
  const high = Math.max(sum(1), loadingRange[1]);
  const breakdown = Object.fromEntries(MEMORY_PARTS.map((p) => [p, Math.round(mid(parts[p]))])) as Record<MemoryPart, number>;
  const peak = Math.max(MEMORY_PARTS.reduce((n, p) => n + breakdown[p], 0), mid(loadingRange));
  return { peak: Math.round(peak), low: Math.round(low), high: Math.round(high), breakdown, loading: Math.round(mid(loadingRange)) };
}
