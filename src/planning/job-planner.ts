import { resolveHyperparameters } from '../jobs/hyperparameters.ts';
import type { Job, JobError, RequestedHyperparameters } from '../jobs/job.ts';
import { type DeviceProfiles, jobKind } from './device-profile.ts';
import { trainingFlopsPerToken } from './flops.ts';
import type { LoraSettings } from './memory-estimate.ts';
import { planTraining, type TrainingPlan } from './memory-plan.ts';
import { type ModelFacts, readModelFacts } from './model-facts.ts';

/** The adapter every LoRA job gets (r=8, alpha 16, all linear layers). */
export const DEFAULT_LORA = { r: 8, alpha: 16, dropout: 0.05, target_modules: 'all-linear' } as const satisfies LoraSettings & { alpha: number; dropout: number };

export interface PlanInput {
  modelPath: string;
  task: 'completion' | 'classifier';
  hyperparameters: RequestedHyperparameters;
  nExamples: number;
}

export interface JobPlannerOptions {
  defaultSeqLen: number;
  concurrentJobs: number;
}

/** Plans a job's memory from its model folder and the device profile, and teaches the profile from finished jobs. */
export class JobPlanner {
  constructor(
    readonly profiles: DeviceProfiles,
    private readonly opts: JobPlannerOptions,
  ) {}

  async plan(input: PlanInput): Promise<{ plan: TrainingPlan; facts: ModelFacts } | { error: JobError }> {
    const facts = await readModelFacts(input.modelPath);
    const r = resolveHyperparameters(input.hyperparameters, { nExamples: input.nExamples, jobType: input.task, defaultSeqLen: this.opts.defaultSeqLen });
    const planned = planTraining({
      facts,
      device: await this.profiles.memory(),
      task: input.task,
      lora: DEFAULT_LORA,
      seqLen: r.seq_len,
      seqLenPinned: input.hyperparameters.seq_len != null,
      stepTokens: r.batch_size * r.seq_len,
      concurrentJobs: this.opts.concurrentJobs,
      packing: true,
    });
    return 'error' in planned ? { error: planned.error } : { plan: planned.plan, facts };
  }

  /** A succeeded job's achieved FLOP/s (its FLOPs per token × measured tokens/s) and overhead refine its kind's figure. */
  async learnFrom(job: Job, modelPath: string): Promise<void> {
    const { tokens_per_second: tps, timings, plan, n_train_examples: n, train_tokens_per_epoch: perEpoch } = job.stats;
    const mode = job.resolvedHyperparameters?.training_mode;
    // A resumed job's wall time mixes runs; it teaches nothing reliable.
    if (!tps || !job.trainedTokens || !timings?.claimed || !timings.trainer_started || !timings.finished || (mode !== 'full' && mode !== 'lora')) return;
    if (Object.keys(timings).some((k) => k.startsWith('reclaimed_'))) return;
    const facts = await readModelFacts(modelPath);
    const rowTokens = n && perEpoch ? perEpoch / n : job.resolvedHyperparameters!.seq_len;
    const flopsPerToken = trainingFlopsPerToken(facts, mode, rowTokens, plan?.gradient_checkpointing ?? false);
    const running = (timings.finished - timings.trainer_started) / 1000;
    await this.profiles.refine(jobKind(job.jobType, mode, facts.parameters), job.id, {
      flopsPerSecond: flopsPerToken * tps,
      overheadSeconds: Math.max(0, running - job.trainedTokens / tps),
      startSeconds: (timings.trainer_started - timings.claimed) / 1000,
    });
  }
}
