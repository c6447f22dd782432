import { appError, invalidRequest } from '../../errors/app-error.ts';
import { parseRecordId } from '../../ids/ids.ts';
import type { ClassifierTarget, Integration, RepositoryInput } from '../../jobs/job.ts';
import type { CreateJobCommand } from '../../jobs/jobs.service.ts';
import type { Caller } from '../../server/context.ts';
import type { JobIn } from './job.schemas.ts';

// JobIn → CreateJobCommand, a pure function: repositories are resolved by the
// service's create and cloned at validation (jobs/input-resolution.ts).

// Mistral's defaults where JobIn leaves a field out (the docs' table), so the job shows what it uses.
const DEFAULT_WEIGHT_DECAY = 0.1;
const DEFAULT_WARMUP_FRACTION = 0.05;

function fileId(id: string, param: string): string {
  const uuid = parseRecordId('file', id);
  if (!uuid) throw invalidRequest(`Invalid file id '${id}'.`, param, 'invalid_value');
  return uuid;
}

/** FastAPI's model-level check: the job needs some data. */
function requireData(body: JobIn) {
  if (body.training_files.length === 0 && !body.repositories?.length) {
    throw appError('value_error', 'Value error, At least one training file or repository is required.', 'job_in');
  }
}

function toHyperparameters(body: JobIn): CreateJobCommand['hyperparameters'] {
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

const toRepository = (r: NonNullable<JobIn['repositories']>[number]): RepositoryInput => ({
  type: 'github', owner: r.owner, name: r.name, ref: r.ref ?? null, weight: r.weight, commitId: null, token: r.token || null, samples: null,
});

const toTarget = (t: NonNullable<JobIn['classifier_targets']>[number]): ClassifierTarget => ({
  name: t.name, labels: t.labels, weight: t.weight, lossFunction: t.loss_function ?? 'single_class',
});

// The API key (checked by the schema) is stored sealed and goes to the trainer's environment.
const toIntegration = (w: NonNullable<JobIn['integrations']>[number]): Integration => ({
  type: 'wandb', project: w.project, name: w.name ?? null, runName: w.run_name ?? null, entity: null, tags: [], apiKey: w.api_key,
});

export function toCreateCommand(body: JobIn, caller: Caller): CreateJobCommand {
  requireData(body);
  const jobType = body.job_type ?? 'completion';
  if (jobType === 'classifier' && body.repositories?.length) {
    throw invalidRequest('Repositories can only be used by completion jobs.', 'repositories', 'invalid_value');
  }
  return {
    tenant: { orgId: caller.orgId, projectId: caller.projectId },
    createdVia: 'mistral',
    createdBy: caller.keyFingerprint,
    jobType,
    model: body.model,
    trainingFiles: body.training_files.map((f, i) => ({ file_id: fileId(f.file_id, `training_files[${i}].file_id`), weight: f.weight })),
    validationFiles: (body.validation_files ?? []).map((id, i) => fileId(id, `validation_files[${i}]`)),
    methodType: 'supervised',
    hyperparameters: toHyperparameters(body),
    suffix: body.suffix || null,
    seed: null,
    metadata: null,
    integrations: (body.integrations ?? []).map(toIntegration),
    autoStart: body.auto_start,
    options: {
      invalidSampleSkipPercentage: body.invalid_sample_skip_percentage,
      repositories: (body.repositories ?? []).map(toRepository),
      classifierTargets: body.classifier_targets?.map(toTarget) ?? null,
      wandbUrl: null,
      // Mistral's schedule and model names, and the metadata its clients read once a job is VALIDATED.
      lrSchedule: 'cosine',
      modelNaming: 'mistral',
      estimate: true,
    },
  };
}
