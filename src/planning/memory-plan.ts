import type { TrainingMode } from './flops.ts';
import { type DeviceMemory, estimateMemory, type LoraSettings, type MemoryEstimate, type TrainingSettings } from './memory-estimate.ts';
import type { ModelFacts } from './model-facts.ts';

/** Below this size full fine-tuning is preferred (LoRA saves little memory there and learns slower). */
export const FULL_FT_MAX_PARAMS = 100_000_000;
/** Share of the device's memory a plan may fill: the rest is for the allocator's slack and other processes. */
export const USABLE_SHARE = 0.9;

export interface PlanRequest {
  facts: ModelFacts;
  device: DeviceMemory;
  task: 'completion' | 'classifier';
  lora: LoraSettings;
  seqLen: number;
  /** The job asked for this seq_len (rather than the server's default). */
  seqLenPinned: boolean;
  /** Most tokens one optimizer step can hold (batch × seq_len). */
  stepTokens: number;
  /** Jobs that may train at once share the device. */
  concurrentJobs: number;
  packing: boolean;
}

/** How the job will run, recorded on the job and passed to the trainer. */
export interface TrainingPlan {
  training_mode: TrainingMode;
  gradient_checkpointing: boolean;
  /** Null: a whole step in one forward pass. */
  micro_batch_tokens: number | null;
  pass_tokens: number;
  device_memory_bytes: number;
  usable_bytes: number;
  estimate: MemoryEstimate;
  why: string;
}

export interface PlanError {
  code: 'insufficient_memory';
  message: string;
  param: string;
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

/** The settings to try for one mode, best first: whole steps, then smaller passes, then the same with checkpointing. */
function* candidates(req: PlanRequest, mode: TrainingMode): Generator<TrainingSettings> {
  const passes: number[] = [];
  for (let t = req.stepTokens; t > req.seqLen; t = Math.floor(t / 2)) passes.push(t);
  passes.push(Math.min(req.seqLen, req.stepTokens));
  for (const gradientCheckpointing of [false, true]) {
    for (const passTokens of passes) {
      yield { mode, lora: req.lora, passTokens, rowTokens: req.packing ? passTokens : Math.min(passTokens, req.seqLen), gradientCheckpointing, task: req.task };
    }
  }
}

/**
 * Picks full fine-tuning or LoRA, gradient checkpointing and the tokens per
 * forward pass so the job's estimated peak fits the device, or says why nothing does.
 * Auto: full fine-tuning for models under 100M parameters when it fits without
 * checkpointing (its high estimate within the usable memory), else LoRA; within
 * a mode, smaller passes (gradient accumulation, no extra compute) come before
 * gradient checkpointing (a third more compute).
 */
export function planTraining(req: PlanRequest): { plan: TrainingPlan } | { error: PlanError } {
  const usable = (req.device.memoryBytes * USABLE_SHARE) / req.concurrentJobs;
  const tried = (mode: TrainingMode, fits: (e: MemoryEstimate) => boolean, checkpointing = true) => {
    for (const s of candidates(req, mode)) {
      if (s.gradientCheckpointing && !checkpointing) continue;
      const estimate = estimateMemory(req.facts, req.device, s);
      if (fits(estimate)) return { s, estimate };
    }
    return null;
  };
  const safe = (e: MemoryEstimate) => e.high <= usable;
  const likely = (e: MemoryEstimate) => e.peak <= usable;
  const small = req.facts.parameters < FULL_FT_MAX_PARAMS;
  const modes: TrainingMode[] = req.facts.pinnedMode ? [req.facts.pinnedMode] : small ? ['full', 'lora'] : ['lora'];
  let found = null;
  let why = '';
  if (req.facts.pinnedMode) {
    found = tried(req.facts.pinnedMode, safe) ?? tried(req.facts.pinnedMode, likely);
    why = `training_mode "${req.facts.pinnedMode}" pinned in the model folder's selftune.json`;
  } else if (small) {
    found = tried('full', safe, false);
    why = found ? 'full fine-tuning: the model is under 100M parameters and fits' : '';
  }
  if (!found && !req.facts.pinnedMode) {
    found = tried('lora', safe) ?? tried('lora', likely);
    why ||= small ? 'LoRA: full fine-tuning does not fit comfortably' : 'LoRA: the model has 100M parameters or more';
  }
  if (!found && !req.facts.pinnedMode && small) {
    found = tried('full', likely);
    why = 'full fine-tuning: the only plan estimated to fit';
  }
  if (!found) return { error: memoryError(req, modes, usable) };
  const { s, estimate } = found;
  return {
    plan: {
      training_mode: s.mode,
      gradient_checkpointing: s.gradientCheckpointing,
      micro_batch_tokens: s.passTokens < req.stepTokens ? s.passTokens : null,
      pass_tokens: s.passTokens,
      device_memory_bytes: req.device.memoryBytes,
      usable_bytes: Math.round(usable),
      estimate,
      why,
    },
  };
}

/** Why a worker killed by SIGKILL may have died: the kernel's out-of-memory killer, against what the plan expected. */
export function killedWorkerHint(plan: TrainingPlan | undefined): string {
  const expected = plan ? ` The plan estimated a peak of ${gib(plan.estimate.peak)} (${gib(plan.estimate.low)}–${gib(plan.estimate.high)}) of ${gib(plan.device_memory_bytes)}.` : '';
  return ` SIGKILL is what the kernel's out-of-memory killer sends when the machine runs out of memory.${expected} If memory was short, set SELFTUNE_DEVICE_MEMORY_BYTES to what jobs may really use, or lower seq_len or the batch size.`;
}

/** The smallest plan still does not fit: the numbers, and what to change. */
function memoryError(req: PlanRequest, modes: TrainingMode[], usable: number): PlanError {
  const mode = modes.includes('lora') ? 'lora' : modes[0]!;
  const smallest = [...candidates(req, mode)].at(-1)!;
  const e = estimateMemory(req.facts, req.device, smallest);
  const parts = Object.entries(e.breakdown).map(([k, v]) => `${k} ${gib(v)}`).join(', ');
  const shared = req.concurrentJobs > 1 ? `, shared by ${req.concurrentJobs} concurrent jobs` : '';
  const fixes: string[] = [];
  if (req.facts.pinnedMode === 'full') fixes.push('set "training_mode": "lora" (or remove it) in the model folder\'s selftune.json');
  fixes.push(req.seqLenPinned ? `lower hyperparameters.seq_len (now ${req.seqLen})` : `lower the sequence length (SELFTUNE_MAX_SEQ_LEN, now ${req.seqLen}, or the job's seq_len)`);
  if (req.concurrentJobs > 1) fixes.push('lower SELFTUNE_MAX_CONCURRENT_JOBS');
  fixes.push('or use a device with more memory');
  return {
    code: 'insufficient_memory',
    message:
      `The model does not fit in memory: with ${mode === 'lora' ? 'LoRA' : 'full fine-tuning'}, gradient checkpointing and ${smallest.passTokens} tokens per pass ` +
      `the estimated peak is ${gib(e.peak)} (${gib(e.low)}–${gib(e.high)}: ${parts}), but the ${req.device.kind === 'cuda' ? 'GPU' : 'machine'} has ${gib(req.device.memoryBytes)} ` +
      `(${gib(usable)} usable${shared}). To fit: ${fixes.join('; ')}.`,
    param: req.facts.pinnedMode === 'full' ? 'model' : 'hyperparameters.seq_len',
  };
}
