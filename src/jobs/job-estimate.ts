import type { RequestedHyperparameters } from './job.ts';
import { resolveHyperparameters } from './hyperparameters.ts';
import type { JobSearch } from './job-search.ts';
import { type PythonToolOptions, runPythonTool } from './python-tool.ts';

/** What a job will cost, from its tokenized data and the throughput the last like job measured. */
export interface JobEstimate {
  data_tokens: number;
  n_examples: number;
  batch_size: number;
  training_steps: number;
  epochs: number;
  train_tokens_per_step: number;
  train_tokens: number;
  /** Null until a job on the same model and task has finished and measured its speed. */
  expected_duration_seconds: number | null;
  cost: number;
  cost_currency: string;
  /** The job whose measured speed the duration is based on. */
  measured_by: string | null;
}

export interface EstimateInput {
  orgId: string;
  model: string;
  modelPath: string;
  jobType: 'completion' | 'classifier';
  files: Array<{ path: string; weight: number }>;
  hyperparameters: RequestedHyperparameters;
}

export interface EstimatorOptions extends PythonToolOptions {
  pricePerMillionTokens: number;
  costCurrency: string;
  defaultSeqLen: number;
}

export class JobEstimator {
  constructor(
    private readonly search: JobSearch,
    private readonly opts: EstimatorOptions,
  ) {}

  async estimate(input: EstimateInput): Promise<JobEstimate> {
    const counted = (await runPythonTool(this.opts, ['count-tokens', '--model', input.modelPath, ...input.files.map((f) => f.path)])) as {
      files: Array<{ examples: number; tokens: number }>;
    };
    const nExamples = counted.files.reduce((n, f) => n + f.examples, 0);
    const dataTokens = counted.files.reduce((n, f) => n + f.tokens, 0);
    // An epoch draws nExamples examples, shared between files by weight (batches.py).
    const totalWeight = input.files.reduce((w, f) => w + (counted.files[input.files.indexOf(f)]!.examples ? f.weight : 0), 0);
    const tokensPerExample = counted.files.reduce((t, f, i) => (f.examples ? t + (input.files[i]!.weight / totalWeight) * (f.tokens / f.examples) : t), 0);
    const r = resolveHyperparameters(input.hyperparameters, { nExamples, jobType: input.jobType, defaultSeqLen: this.opts.defaultSeqLen });
    const stepsPerEpoch = Math.max(1, Math.ceil(nExamples / r.batch_size));
    const steps = r.training_steps ?? Math.ceil(stepsPerEpoch * r.n_epochs);
    // What a step really trains on: an epoch's tokens over its steps (the last batch of an epoch may be short).
    const perStep = Math.round((nExamples * Math.min(tokensPerExample, r.seq_len)) / stepsPerEpoch);
    const trainTokens = steps * perStep;
    const measured = await this.search.lastMeasured(input.orgId, input.model, input.jobType);
    return {
      data_tokens: dataTokens,
      n_examples: nExamples,
      batch_size: r.batch_size,
      training_steps: steps,
      epochs: Math.round((steps / stepsPerEpoch) * 1000) / 1000,
      train_tokens_per_step: perStep,
      train_tokens: trainTokens,
      expected_duration_seconds: measured ? Math.round(expectedSeconds(measured, trainTokens)) : null,
      cost: Math.round((trainTokens / 1e6) * this.opts.pricePerMillionTokens * 1e4) / 1e4,
      cost_currency: this.opts.costCurrency,
      measured_by: measured?.id ?? null,
    };
  }
}

/** The measured job's fixed overhead (start-up, saves) plus this job's tokens at its speed. */
function expectedSeconds(measured: import('./job.ts').Job, trainTokens: number): number {
  const tps = measured.stats.tokens_per_second!;
  const wall = (measured.stats.timings!.finished! - measured.stats.timings!.claimed!) / 1000;
  const overhead = Math.max(0, wall - measured.trainedTokens! / tps);
  return overhead + trainTokens / tps;
}
