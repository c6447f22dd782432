import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { appError, invalidRequest } from '../../errors/app-error.ts';
import { parseRecordId } from '../../ids/ids.ts';
import type { CreateJobCommand } from '../../jobs/jobs.service.ts';
import type { RepositoryImporter } from '../../repositories/git-import.ts';
import type { Caller } from '../../server/context.ts';
import type { JobIn } from './job.schemas.ts';
import type { ClassifierTarget, ResolvedRepository, StoredWandb } from './job-options.ts';

// Mistral's defaults where JobIn leaves a field out (the docs' table), so the job shows what it uses.
const DEFAULT_WEIGHT_DECAY = 0.1;
const DEFAULT_WARMUP_FRACTION = 0.05;

function fileId(id: string, param: string): string {
  const uuid = parseRecordId('file', id);
  if (!uuid) throw invalidRequest(`Invalid file id '${id}'.`, param, 'invalid_value');
  return uuid;
}

/** FastAPI's model-level check: the job needs some data. */
export function requireData(body: JobIn) {
  if (body.training_files.length === 0 && !body.repositories?.length) {
    throw appError('value_error', 'Value error, At least one training file or repository is required.', 'job_in');
  }
}

export function toHyperparameters(body: JobIn): CreateJobCommand['hyperparameters'] {
  const h = body.hyperparameters;
  return {
    n_epochs: h.epochs ?? 'auto',
    batch_size: 'auto',
    learning_rate_multiplier: 'auto',
    training_steps: h.training_steps ?? null,
    learning_rate: h.learning_rate,
    weight_decay: h.weight_decay ?? DEFAULT_WEIGHT_DECAY,
    warmup_fraction: h.warmup_fraction ?? DEFAULT_WARMUP_FRACTION,
    seq_len: h.seq_len ?? null,
    fim_ratio: body.job_type === 'classifier' ? null : (h.fim_ratio ?? null),
  };
}

export const trainingFilesOf = (body: JobIn) => body.training_files.map((f, i) => ({ file_id: fileId(f.file_id, `training_files[${i}].file_id`), weight: f.weight }));

/** Clones the repositories now, as the real API resolves `ref` and `commit_id` at create time. */
async function importRepositories(body: JobIn, importer: RepositoryImporter) {
  const out: Array<ResolvedRepository & { samples_path: string; samples: number }> = [];
  try {
    for (const [i, r] of (body.repositories ?? []).entries()) {
      const imported = await importer.import(r, `repositories[${i}]`);
      out.push({ type: 'github', name: r.name, owner: r.owner, weight: r.weight, ...imported });
    }
  } catch (err) {
    await discardRepositories(out);
    throw err;
  }
  return out;
}

/** Removes imported repository samples that no job will use (the create failed). */
export async function discardRepositories(repositories: unknown): Promise<void> {
  for (const r of (repositories as Array<{ samples_path: string }> | undefined) ?? []) await rm(dirname(r.samples_path), { recursive: true, force: true });
}

export async function toCreateCommand(body: JobIn, caller: Caller, importer: RepositoryImporter): Promise<CreateJobCommand> {
  requireData(body);
  const jobType = body.job_type ?? 'completion';
  if (jobType === 'classifier' && body.repositories?.length) {
    throw invalidRequest('Repositories can only be used by completion jobs.', 'repositories', 'invalid_value');
  }
  const targets: ClassifierTarget[] | undefined = body.classifier_targets?.map((t) => ({
    name: t.name,
    labels: t.labels,
    weight: t.weight,
    loss_function: t.loss_function ?? 'single_class',
  }));
  const integrations: StoredWandb[] = (body.integrations ?? []).map((w) => ({ type: 'wandb', project: w.project, name: w.name ?? null, run_name: w.run_name ?? null }));
  return {
    orgId: caller.orgId,
    createdVia: 'mistral',
    createdBy: caller.keyFingerprint,
    jobType,
    model: body.model,
    trainingFiles: trainingFilesOf(body),
    validationFiles: (body.validation_files ?? []).map((id, i) => fileId(id, `validation_files[${i}]`)),
    methodType: 'supervised',
    hyperparameters: toHyperparameters(body),
    suffix: body.suffix || null,
    seed: null,
    metadata: null,
    integrations,
    autoStart: body.auto_start,
    options: {
      invalid_sample_skip_percentage: body.invalid_sample_skip_percentage,
      ...(targets ? { classifier_targets: targets } : {}),
      repositories: await importRepositories(body, importer),
    },
  };
}
