import { existsSync } from 'node:fs';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-context.ts';
import { required, UsageError, uploadFile } from './files.command.ts';
import { followJob } from './follow.ts';
import { formatTime, printObject, printRows } from './output.ts';

export interface JobFlags {
  model?: string | undefined;
  'training-file'?: string | undefined;
  'validation-file'?: string | undefined;
  epochs?: string | undefined;
  'learning-rate-multiplier'?: string | undefined;
  'batch-size'?: string | undefined;
  suffix?: string | undefined;
  seed?: string | undefined;
  follow?: boolean | undefined;
  limit?: string | undefined;
  after?: string | undefined;
}

/** A training file given as a path is uploaded first; anything else is taken as a file id. */
async function fileRef(ctx: CliContext, ref: string): Promise<string> {
  if (!existsSync(ref)) return ref;
  const file = await uploadFile(ctx, ref);
  ctx.err.write(`uploaded ${ref} as ${file.id}\n`);
  return file.id;
}

const numberOrUndefined = (v: string | undefined) => (v === undefined ? undefined : v === 'auto' ? ('auto' as const) : Number(v));

async function create(ctx: CliContext, flags: JobFlags) {
  const trainingFile = await fileRef(ctx, required(flags['training-file'], '--training-file'));
  const validationFile = flags['validation-file'] ? await fileRef(ctx, flags['validation-file']) : undefined;
  const job = await ctx.client.fineTuning.jobs.create({
    model: required(flags.model, '--model'),
    training_file: trainingFile,
    validation_file: validationFile,
    hyperparameters: {
      n_epochs: numberOrUndefined(flags.epochs),
      learning_rate_multiplier: numberOrUndefined(flags['learning-rate-multiplier']),
      batch_size: numberOrUndefined(flags['batch-size']),
    },
    suffix: flags.suffix,
    seed: flags.seed === undefined ? undefined : Number(flags.seed),
  });
  if (!flags.follow) return printObject(ctx, { ...job });
  ctx.err.write(`created ${job.id}\n`);
  const done = await followJob(ctx, job.id);
  printObject(ctx, ctx.json ? { ...done } : { id: done.id, status: done.status, fine_tuned_model: done.fine_tuned_model, trained_tokens: done.trained_tokens });
  if (done.status !== 'succeeded') {
    const error = done.error && 'message' in done.error ? `: ${done.error.message}` : '';
    throw new CliError(`job ${done.id} ${done.status}${error}`);
  }
}

export async function jobsCommand(ctx: CliContext, action: string | undefined, args: string[], flags: JobFlags) {
  const jobs = ctx.client.fineTuning.jobs;
  switch (action) {
    case 'create':
      return create(ctx, flags);
    case 'list': {
      const page = await jobs.list({ limit: flags.limit ? Number(flags.limit) : 20, after: flags.after });
      return printRows(ctx, page.data, [
        ['ID', (j) => j.id],
        ['STATUS', (j) => j.status],
        ['MODEL', (j) => j.model],
        ['FINE-TUNED MODEL', (j) => j.fine_tuned_model],
        ['CREATED', (j) => formatTime(j.created_at)],
      ]);
    }
    case 'get':
    case 'cancel':
    case 'pause':
    case 'resume': {
      const id = required(args[0], 'JOB_ID');
      const job = action === 'get' ? await jobs.retrieve(id) : await jobs[action](id);
      return printObject(ctx, { ...job });
    }
    case 'events': {
      const page = await jobs.listEvents(required(args[0], 'JOB_ID'), { limit: flags.limit ? Number(flags.limit) : 50 });
      return printRows(ctx, [...page.data].reverse(), [
        ['CREATED', (e) => formatTime(e.created_at)],
        ['LEVEL', (e) => e.level],
        ['MESSAGE', (e) => e.message],
      ], page.data);
    }
    case 'checkpoints': {
      const page = await jobs.checkpoints.list(required(args[0], 'JOB_ID'), { limit: flags.limit ? Number(flags.limit) : 10 });
      return printRows(ctx, page.data, [
        ['STEP', (c) => c.step_number],
        ['TRAIN LOSS', (c) => c.metrics.train_loss?.toFixed(4)],
        ['VALID LOSS', (c) => c.metrics.valid_loss?.toFixed(4)],
        ['MODEL', (c) => c.fine_tuned_model_checkpoint],
      ], page.data);
    }
    default:
      throw new UsageError('selftune jobs create --model M --training-file PATH|ID [...] [--follow] | list | get | cancel | pause | resume | events | checkpoints JOB_ID');
  }
}
