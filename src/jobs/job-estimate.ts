import type { RequestedHyperparameters } from './job.ts';
import { resolveHyperparameters } from './hyperparameters.ts';
import { fromJobError } from '../errors/app-error.ts';
import { readModelFacts } from '../planning/model-facts.ts';
import { jobKind } from '../planning/device-profile.ts';
import { trainingFlopsPerToken } from '../planning/flops.ts';
import type { JobPlanner } from '../planning/job-planner.ts';
import type { TrainingPlan } from '../planning/memory-plan.ts';
import type { TokenCounter } from '../tokens/token-counter.ts';

/** What a job will cost, from its tokenized data, its memory plan and the device's measured FLOP/s. */
export interface JobEstimate {
  data_tokens: number;
  n_examples: number;
  batch_size: number;
  training_steps: number;
  epochs: number;
  train_tokens_per_step: number;
  train_tokens: number;
  /** Start-up overhead, each step's fixed cost, and the train tokens' FLOPs at the FLOP/s this device reaches for this kind of job. */
  expected_duration_seconds: number;
  cost: number;
  cost_currency: string;
  /** The job whose measured speed last refined the FLOP/s figure; null: the device probe's. */
  measured_by: string | null;
  training_flops: number;
  flops_per_second: number;
}

export interface EstimateInput {
  model: string;
  modelPath: string;
  jobType: 'completion' | 'classifier';
  files: Array<{ path: string; weight: number }>;
  hyperparameters: RequestedHyperparameters;
  /** The job's plan when validation made one; a dry run plans here. */
  plan?: TrainingPlan | undefined;
}

export interface EstimatorOptions {
  pricePerMillionTokens: number;
  costCurrency: string;
  defaultSeqLen: number;
}

export class JobEstimator {
  constructor(
    private readonly planner: JobPlanner,
    private readonly tokens: Pick<TokenCounter, 'count' | 'warm'>,
    private readonly opts: EstimatorOptions,
  ) {}

  /** Gets the token counter going while the caller validates files and plans. */
  warm(): void {
    this.tokens.warm();
  }

  async estimate(input: EstimateInput): Promise<JobEstimate> {
    const counted = await this.tokens.count(input.modelPath, input.files.map((f) => f.path));
    const nExamples = counted.reduce((n, f) => n + f.examples, 0);
    const dataTokens = counted.reduce((n, f) => n + f.tokens, 0);
    // An epoch draws nExamples examples, shared between files by weight (batches.py).
    const totalWeight = input.files.reduce((w, f, i) => w + (counted[i]!.examples ? f.weight : 0), 0);
    const tokensPerExample = counted.reduce((t, f, i) => (f.examples ? t + (input.files[i]!.weight / totalWeight) * (f.tokens / f.examples) : t), 0);
    const r = resolveHyperparameters(input.hyperparameters, { nExamples, jobType: input.jobType, defaultSeqLen: this.opts.defaultSeqLen });
    const stepsPerEpoch = Math.max(1, Math.ceil(nExamples / r.batch_size));
    const steps = r.training_steps ?? Math.ceil(stepsPerEpoch * r.n_epochs);
    const exampleTokens = Math.min(tokensPerExample, r.seq_len);
    // What a step really trains on: an epoch's tokens over its steps (the last batch of an epoch may be short).
    const perStep = Math.round((nExamples * exampleTokens) / stepsPerEpoch);
    const trainTokens = steps * perStep;
    const planned = input.plan
      ? { plan: input.plan, facts: await readModelFacts(input.modelPath) }
      : await this.planner.plan({ modelPath: input.modelPath, task: input.jobType, hyperparameters: input.hyperparameters, nExamples });
    // A dry run of a job that would fail validation says why, as the job would.
    if ('error' in planned) throw fromJobError(planned.error);
    const { plan, facts } = planned;
    const perToken = trainingFlopsPerToken(facts, plan.training_mode, exampleTokens, plan.gradient_checkpointing);
    const saves = Math.ceil(steps / stepsPerEpoch);
    const speed = await this.planner.profiles.throughput(jobKind(input.jobType, plan.training_mode, facts.parameters), facts.weightFileBytes, saves);
    const flops = trainTokens * perToken;
    return {
      data_tokens: dataTokens,
      n_examples: nExamples,
      batch_size: r.batch_size,
      training_steps: steps,
      epochs: Math.round((steps / stepsPerEpoch) * 1000) / 1000,
      train_tokens_per_step: perStep,
      train_tokens: trainTokens,
      expected_duration_seconds: Math.max(1, Math.round(speed.overheadSeconds + steps * (facts.layers + 1) * speed.layerStepSeconds + flops / speed.flopsPerSecond)),
      cost: Math.round((trainTokens / 1e6) * this.opts.pricePerMillionTokens * 1e4) / 1e4,
      cost_currency: this.opts.costCurrency,
      measured_by: speed.measuredBy,
      training_flops: flops,
      flops_per_second: Math.round(speed.flopsPerSecond),
    };
  }
}
