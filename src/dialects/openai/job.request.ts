import { invalidRequest } from '../../errors/app-error.ts';
import { parseRecordId } from '../../ids/ids.ts';
import type { Integration, RequestedHyperparameters } from '../../jobs/job.ts';
import type { CreateJobCommand } from '../../jobs/jobs.service.ts';
import type { Principal } from '../../tenancy/principal.ts';
import type { CreateJobRequest, DpoHyperparameters } from './job.schemas.ts';

function fileId(id: string, param: string): string {
  const uuid = parseRecordId('file', id);
  if (!uuid) throw invalidRequest(`invalid ${param}: ${id}`, param, 'invalid_file');
  return uuid;
}

/** The legacy top-level `hyperparameters` and `method.*.hyperparameters` mean the same; both may not disagree. */
function pickHyperparameters(body: CreateJobRequest): DpoHyperparameters {
  const legacy = body.hyperparameters ?? undefined;
  const method = body.method?.supervised?.hyperparameters ?? body.method?.dpo?.hyperparameters;
  if (legacy && method && JSON.stringify(legacy) !== JSON.stringify(method)) {
    throw invalidRequest(
      "Hyperparameters were given both in 'hyperparameters' and in 'method'; give them in 'method' only.",
      'hyperparameters',
      'conflicting_hyperparameters',
    );
  }
  return method ?? legacy ?? {};
}

const toIntegration = ({ wandb: w }: NonNullable<CreateJobRequest['integrations']>[number]): Integration => ({
  type: 'wandb', project: w.project, name: w.name ?? null, runName: null, entity: w.entity ?? null, tags: w.tags ?? [],
});

/** CreateJobRequest → CreateJobCommand, a pure function. */
export function toCreateCommand(body: CreateJobRequest, caller: Principal): CreateJobCommand {
  const hp = pickHyperparameters(body);
  const hyperparameters: RequestedHyperparameters = {
    n_epochs: hp.n_epochs ?? 'auto',
    batch_size: hp.batch_size ?? 'auto',
    learning_rate_multiplier: hp.learning_rate_multiplier ?? 'auto',
    // Only a DPO job has a beta; it marks the request as preference training for auto-resolution.
    ...(body.method?.type === 'dpo' ? { beta: hp.beta ?? 'auto' } : {}),
  };
  return {
    tenant: { orgId: caller.orgId, projectId: caller.projectId },
    createdVia: 'openai',
    createdBy: caller.keyFingerprint,
    jobType: 'completion',
    model: body.model,
    trainingFiles: [{ file_id: fileId(body.training_file, 'training_file'), weight: 1 }],
    validationFiles: body.validation_file ? [fileId(body.validation_file, 'validation_file')] : [],
    methodType: body.method?.type ?? 'supervised',
    hyperparameters,
    suffix: body.suffix ?? null,
    seed: body.seed ?? null,
    metadata: body.metadata ?? null,
    integrations: (body.integrations ?? []).map(toIntegration),
    autoStart: true,
    options: {
      invalidSampleSkipPercentage: 0,
      repositories: [],
      classifierTargets: null,
      wandbUrl: null,
      // OpenAI's linear decay and model names; its clients read no estimate, so the data is not tokenized for one.
      lrSchedule: 'linear',
      modelNaming: 'openai',
      estimate: false,
    },
  };
}
