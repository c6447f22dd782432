import { invalidRequest } from '../../errors/app-error.ts';
import type { AppContext } from '../../server/context.ts';
import { requireData, toHyperparameters, trainingFilesOf } from './job.request.ts';
import type { JobIn } from './job.schemas.ts';

/**
 * `?dry_run=true`: the estimate a job would get at validation (LegacyJobMetadataOut),
 * without creating the job. Repositories are not cloned for a dry run.
 */
export async function dryRun(ctx: AppContext, orgId: string, body: JobIn) {
  requireData(body);
  const model = await ctx.catalog.trainable(orgId, body.model);
  if (!model) throw invalidRequest(`Model ${body.model} is not available for fine-tuning or does not exist.`, 'model', 'model_not_available');
  const files = await Promise.all(
    trainingFilesOf(body).map(async (f) => ({ path: ctx.files.blobPath(await ctx.files.get(orgId, f.file_id)), weight: f.weight })),
  );
  const e = await ctx.estimator.estimate({
    model: body.model,
    modelPath: model.path,
    jobType: body.job_type ?? 'completion',
    files,
    hyperparameters: toHyperparameters(body),
  });
  const speed = `${(e.training_flops / 1e12).toFixed(3)} TFLOP at ${(e.flops_per_second / 1e9).toFixed(1)} GFLOP/s, ${e.measured_by ? `the speed finished jobs like it reached (last: ${e.measured_by})` : "the device probe's measured speed"}`;
  return {
    object: 'job.metadata',
    details: `${e.n_examples} examples, ${e.data_tokens} tokens; ${e.training_steps} steps of batch ${e.batch_size}; ${speed}.`,
    expected_duration_seconds: e.expected_duration_seconds,
    cost: e.cost,
    cost_currency: e.cost_currency,
    train_tokens_per_step: e.train_tokens_per_step,
    train_tokens: e.train_tokens,
    data_tokens: e.data_tokens,
    estimated_start_time: null,
    deprecated: true,
    epochs: e.epochs,
    training_steps: e.training_steps,
  };
}
