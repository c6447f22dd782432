import { z } from 'zod';
import type { JobRow, JobUpdate, NewJobRow } from '../db/schema.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Integration, Job, JobChanges, JobOptions, JobStats } from './job.ts';
import type { JobStatus } from './job-status.ts';

// The one place where a job's JSON columns are parsed and written. Everything
// outside the repository layer sees typed `Job` records and `JobChanges`.
// Stored keys stay snake_case as older versions wrote them; rows from before
// a key existed read with the value the job had then. Secrets (git tokens, W&B
// keys) are sealed on write and read back sealed: only their users open them.

const parse = <T>(text: string | null, fallback: T): T => (text == null ? fallback : (JSON.parse(text) as T));
const json = (value: unknown): string => JSON.stringify(value);
const num = (v: number | string | null): number | null => (v == null ? null : Number(v));

type CreatedVia = 'openai' | 'mistral';

const storedRepository = z.object({
  name: z.string(),
  owner: z.string(),
  ref: z.string().nullish(),
  weight: z.number(),
  commit_id: z.string().nullish(),
  token: z.string().nullish(),
  samples_path: z.string().nullish(),
  samples: z.number().nullish(),
});

const storedTarget = z.object({
  name: z.string(),
  labels: z.array(z.string()),
  weight: z.number(),
  loss_function: z.enum(['single_class', 'multi_class']),
});

const storedOptions = z.object({
  invalid_sample_skip_percentage: z.number().nullish(),
  repositories: z.array(storedRepository).nullish(),
  classifier_targets: z.array(storedTarget).nullish(),
  wandb_url: z.string().nullish(),
  lr_schedule: z.enum(['linear', 'cosine']).nullish(),
  model_naming: z.enum(['openai', 'mistral']).nullish(),
  estimate: z.boolean().nullish(),
});

// OpenAI-made jobs stored `{type, wandb: {project, name, entity, tags}}`, Mistral-made ones
// `{type, project, name, run_name}`; both read as one shape, written flat.
const wandbFields = z.object({
  project: z.string(),
  name: z.string().nullish(),
  run_name: z.string().nullish(),
  entity: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  api_key: z.string().nullish(),
});
const storedIntegration = z.object({ type: z.string(), wandb: wandbFields.optional() }).and(wandbFields.partial());
const storedIntegrations = z.array(storedIntegration);

/** Jobs stored before the mapper decided these behaved as the API that created them did. */
function optionsFromRow(text: string | null, createdVia: CreatedVia): JobOptions {
  const o = storedOptions.parse(parse(text, {}));
  const mistral = createdVia === 'mistral';
  return {
    invalidSampleSkipPercentage: o.invalid_sample_skip_percentage ?? 0,
    repositories: (o.repositories ?? []).map((r) => ({
      type: 'github',
      owner: r.owner,
      name: r.name,
      ref: r.ref ?? null,
      weight: r.weight,
      commitId: r.commit_id ?? null,
      token: r.token ?? null,
      samples: r.samples_path ? { path: r.samples_path, count: r.samples ?? 0 } : null,
    })),
    classifierTargets: o.classifier_targets?.map((t) => ({ name: t.name, labels: t.labels, weight: t.weight, lossFunction: t.loss_function })) ?? null,
    wandbUrl: o.wandb_url ?? null,
    lrSchedule: o.lr_schedule ?? (mistral ? 'cosine' : 'linear'),
    modelNaming: o.model_naming ?? (mistral ? 'mistral' : 'openai'),
    estimate: o.estimate ?? mistral,
  };
}

function optionsToJson(o: JobOptions, secrets: SecretBox): string {
  return json({
    invalid_sample_skip_percentage: o.invalidSampleSkipPercentage,
    repositories: o.repositories.map((r) => ({
      type: r.type,
      name: r.name,
      owner: r.owner,
      ref: r.ref,
      weight: r.weight,
      commit_id: r.commitId,
      ...(r.token ? { token: secrets.seal(r.token) } : {}),
      ...(r.samples ? { samples_path: r.samples.path, samples: r.samples.count } : {}),
    })),
    ...(o.classifierTargets ? { classifier_targets: o.classifierTargets.map((t) => ({ name: t.name, labels: t.labels, weight: t.weight, loss_function: t.lossFunction })) } : {}),
    ...(o.wandbUrl ? { wandb_url: o.wandbUrl } : {}),
    lr_schedule: o.lrSchedule,
    model_naming: o.modelNaming,
    estimate: o.estimate,
  });
}

function integrationsFromRow(text: string | null): Integration[] {
  return storedIntegrations.parse(parse(text, [])).flatMap((i) => {
    if (i.type !== 'wandb') return [];
    const w = i.wandb ?? i;
    if (w.project === undefined) return [];
    return [{ type: 'wandb' as const, project: w.project, name: w.name ?? null, runName: i.run_name ?? null, entity: w.entity ?? null, tags: w.tags ?? [], ...(i.api_key ? { apiKey: i.api_key } : {}) }];
  });
}

const integrationsToJson = (list: Integration[], secrets: SecretBox): string =>
  json(list.map((w) => ({ type: w.type, project: w.project, name: w.name, run_name: w.runName, entity: w.entity, tags: w.tags, ...(w.apiKey ? { api_key: secrets.seal(w.apiKey) } : {}) })));

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    orgId: row.org_id,
    projectId: row.project_id,
    createdBy: row.created_by,
    jobType: row.job_type as Job['jobType'],
    status: row.status as JobStatus,
    model: row.model,
    trainingFiles: parse(row.training_files, []),
    validationFiles: parse(row.validation_files, []),
    methodType: row.method_type as Job['methodType'],
    hyperparameters: parse(row.hyperparameters, { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' }),
    resolvedHyperparameters: parse(row.resolved_hyperparameters, null),
    suffix: row.suffix,
    seed: Number(row.seed),
    metadata: parse(row.metadata, null),
    integrations: integrationsFromRow(row.integrations),
    autoStart: row.auto_start === 1,
    options: optionsFromRow(row.options, row.created_via === 'mistral' ? 'mistral' : 'openai'),
    fineTunedModel: row.fine_tuned_model,
    resultFiles: parse(row.result_files, []),
    trainedTokens: num(row.trained_tokens),
    error: parse(row.error, null),
    stats: parse<JobStats>(row.stats, {}),
    totalSteps: row.total_steps,
    currentStep: row.current_step,
    estimatedFinish: num(row.estimated_finish),
    control: row.control as Job['control'],
    recoveries: row.recoveries,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
    queuedAt: num(row.queued_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
  };
}

/** A new job's row: no lease yet. `createdVia` is kept as provenance; only old rows' defaults read it. */
export function newJobRow(job: Job, createdVia: CreatedVia, secrets: SecretBox): NewJobRow {
  return {
    id: job.id,
    org_id: job.orgId,
    project_id: job.projectId,
    created_via: createdVia,
    created_by: job.createdBy,
    job_type: job.jobType,
    model: job.model,
    training_files: json(job.trainingFiles),
    validation_files: json(job.validationFiles),
    method_type: job.methodType,
    hyperparameters: json(job.hyperparameters),
    suffix: job.suffix,
    seed: job.seed,
    metadata: job.metadata ? json(job.metadata) : null,
    auto_start: job.autoStart ? 1 : 0,
    locked_by: null,
    lease_expires_at: null,
    created_at: job.createdAt,
    ...jobChangesToRow(job, secrets),
    // jobChangesToRow leaves modified_at to the repository; a new job was modified when created.
    modified_at: job.modifiedAt,
  } as NewJobRow;
}

/** Encodes typed changes into the columns they touch (absent keys stay untouched). */
export function jobChangesToRow(c: JobChanges, secrets: SecretBox): JobUpdate {
  const row: JobUpdate = {};
  if (c.status !== undefined) row.status = c.status;
  if (c.resolvedHyperparameters !== undefined) row.resolved_hyperparameters = c.resolvedHyperparameters === null ? null : json(c.resolvedHyperparameters);
  if (c.options !== undefined) row.options = optionsToJson(c.options, secrets);
  if (c.integrations !== undefined) row.integrations = integrationsToJson(c.integrations, secrets);
  if (c.fineTunedModel !== undefined) row.fine_tuned_model = c.fineTunedModel;
  if (c.resultFiles !== undefined) row.result_files = json(c.resultFiles);
  if (c.trainedTokens !== undefined) row.trained_tokens = c.trainedTokens;
  if (c.error !== undefined) row.error = c.error === null ? null : json(c.error);
  if (c.stats !== undefined) row.stats = json(c.stats);
  if (c.totalSteps !== undefined) row.total_steps = c.totalSteps;
  if (c.currentStep !== undefined) row.current_step = c.currentStep;
  if (c.estimatedFinish !== undefined) row.estimated_finish = c.estimatedFinish;
  if (c.control !== undefined) row.control = c.control;
  if (c.recoveries !== undefined) row.recoveries = c.recoveries;
  if (c.queuedAt !== undefined) row.queued_at = c.queuedAt;
  if (c.startedAt !== undefined) row.started_at = c.startedAt;
  if (c.finishedAt !== undefined) row.finished_at = c.finishedAt;
  if (c.lockedBy !== undefined) row.locked_by = c.lockedBy;
  if (c.leaseExpiresAt !== undefined) row.lease_expires_at = c.leaseExpiresAt;
  return row;
}
