import { pageQuery } from '../../server/http/paging.ts';
import { z } from 'zod';

// Request shapes of /v1/fine_tuning/jobs from Mistral's OpenAPI file (JobIn).
// Unknown fields are refused with a 422, as the real API does (extra_forbidden).

const trainingFile = z.union([
  z.string().min(1).transform((file_id) => ({ file_id, weight: 1 })),
  z.strictObject({ file_id: z.string().min(1), weight: z.number().gt(0).default(1) }),
]);

export const hyperparametersIn = z.strictObject({
  training_steps: z.number().int().min(1).nullish(),
  learning_rate: z.number().min(1e-8).max(1).default(0.0001),
  weight_decay: z.number().min(0).max(1).nullish(),
  warmup_fraction: z.number().min(0).max(1).nullish(),
  epochs: z.number().gt(0).nullish(),
  seq_len: z.number().int().min(100).nullish(),
  fim_ratio: z.number().min(0).max(1).nullish(),
});

const wandbIntegrationIn = z.strictObject({
  type: z.literal('wandb').default('wandb'),
  project: z.string().min(1),
  name: z.string().nullish(),
  api_key: z.string().length(40),
  run_name: z.string().nullish(),
});

export const githubRepositoryIn = z.strictObject({
  type: z.literal('github').default('github'),
  name: z.string().regex(/^[A-Za-z0-9._-]+$/),
  owner: z.string().regex(/^[A-Za-z0-9._-]+$/),
  ref: z.string().min(1).nullish(),
  weight: z.number().gt(0).default(1),
  token: z.string(),
});
export type GithubRepositoryIn = z.infer<typeof githubRepositoryIn>;

export const classifierTargetIn = z.strictObject({
  name: z.string().min(1),
  labels: z.array(z.string().min(1)).min(1),
  weight: z.number().min(0).default(1),
  loss_function: z.enum(['single_class', 'multi_class']).nullish(),
});

export const jobIn = z.strictObject({
  model: z.string().min(1),
  training_files: z.array(trainingFile).default([]),
  validation_files: z.array(z.string().min(1)).nullish(),
  suffix: z.string().max(18).regex(/^[A-Za-z0-9._-]*$/, 'may only contain letters, digits, ".", "_" and "-"').nullish(),
  integrations: z.array(wandbIntegrationIn).nullish(),
  auto_start: z.boolean().default(false),
  invalid_sample_skip_percentage: z.number().min(0).max(0.5).default(0),
  job_type: z.enum(['completion', 'classifier']).nullish(),
  hyperparameters: hyperparametersIn,
  repositories: z.array(githubRepositoryIn).nullish(),
  classifier_targets: z.array(classifierTargetIn).min(1).nullish(),
});
export type JobIn = z.infer<typeof jobIn>;

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
// SDKs send ISO-8601 with or without milliseconds or zone; a zone-less instant is UTC.
const isoDate = z.string().transform((s, ctx) => {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 date-time' });
  return ms;
});

export const STATUSES = ['QUEUED', 'STARTED', 'VALIDATING', 'VALIDATED', 'RUNNING', 'FAILED_VALIDATION', 'FAILED', 'SUCCESS', 'CANCELLED', 'CANCELLATION_REQUESTED'] as const;
export type MistralStatus = (typeof STATUSES)[number];

export const listJobsQuery = z.object({
  ...pageQuery(100, 1000),
  model: z.string().optional(),
  created_after: isoDate.optional(),
  created_before: isoDate.optional(),
  created_by_me: flag.default(false),
  status: z.enum(STATUSES).optional(),
  wandb_project: z.string().optional(),
  wandb_name: z.string().optional(),
  suffix: z.string().optional(),
});

export const createQuery = z.object({ dry_run: flag.optional() });
