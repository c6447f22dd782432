import { fromJobError } from '../../errors/app-error.ts';
import { newUuid } from '../../ids/ids.ts';
import type { CreateJobCommand } from '../../jobs/jobs.service.ts';
import type { AppContext } from '../../server/context.ts';

/**
 * `?dry_run=true`: the estimate a job would get at validation (LegacyJobMetadataOut),
 * from the same input-resolution stage, without creating the job. A request
 * that would fail validation gets that failure as a 400.
 */
export async function dryRun(ctx: AppContext, cmd: CreateJobCommand) {
  const r = await ctx.inputs.dryRun({ ...cmd, ...cmd.tenant, id: `dry-run-${newUuid()}` });
  if (r.error) throw fromJobError(r.error);
  const e = r.estimate!;
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
