import { pageQuery } from '../../server/http/paging.ts';
import { z } from 'zod';
import { boundedNumber } from '../../jobs/hyperparameter-bounds.ts';

// Request shapes of /v1/fine_tuning/jobs from Mistral's OpenAPI file (JobIn).
// Unknown fields are refused with a 422, as the real API does (extra_forbidden).

// Sizes of the request's lists (Mistral documents none): far above any real job, far below what would choke validation.
const MAX_FILES = 100;
const MAX_REPOSITORIES = 20;
const MAX_TARGETS = 64;
const MAX_LABELS = 1000;

// A plain id (as Mistral's curl examples send) is a file of weight 1; one schema, so errors name the field at fault.
const trainingFile = z.preprocess(
  (v) => (typeof v === 'string' ? { file_id: v } : v),
  z.strictObject({ file_id: z.string().min(1), weight: boundedNumber('input_weight').default(1) }),
);

export const hyperparametersIn = z.strictObject({
  training_steps: boundedNumber('training_steps').nullish(),
  learning_rate: boundedNumber('learning_rate').default(0.0001),
  weight_decay: boundedNumber('weight_decay').nullish(),
  warmup_fraction: boundedNumber('warmup_fraction').nullish(),
  epochs: boundedNumber('epochs').nullish(),
  seq_len: boundedNumber('seq_len').nullish(),
  fim_ratio: boundedNumber('fim_ratio').nullish(),
});

const wandbIntegrationIn = z.strictObject({
  type: z.literal('wandb').default('wandb'),
  project: z.string().min(1).max(128),
  name: z.string().max(128).nullish(),
  api_key: z.string().length(40),
  run_name: z.string().max(128).nullish(),
});

export const githubRepositoryIn = z.strictObject({
  type: z.literal('github').default('github'),
  name: z.string().max(100).regex(/^[A-Za-z0-9._-]+$/),
  owner: z.string().max(100).regex(/^[A-Za-z0-9._-]+$/),
  ref: z.string().min(1).max(255).nullish(),
  weight: boundedNumber('input_weight').default(1),
  token: z.string(),
});
export type GithubRepositoryIn = z.infer<typeof githubRepositoryIn>;

export const classifierTargetIn = z.strictObject({
  name: z.string().min(1).max(256),
  labels: z.array(z.string().min(1).max(256)).min(1).max(MAX_LABELS),
  weight: boundedNumber('target_weight').default(1),
  loss_function: z.enum(['single_class', 'multi_class']).nullish(),
});

export const jobIn = z.strictObject({
  model: z.string().min(1),
  training_files: z.array(trainingFile).max(MAX_FILES).default([]),
  validation_files: z.array(z.string().min(1)).max(MAX_FILES).nullish(),
  suffix: z.string().max(18).regex(/^[A-Za-z0-9._-]*$/, 'may only contain letters, digits, ".", "_" and "-"').nullish(),
  integrations: z.array(wandbIntegrationIn).max(5).nullish(),
  auto_start: z.boolean().default(false),
  invalid_sample_skip_percentage: boundedNumber('invalid_sample_skip_percentage').default(0),
  job_type: z.enum(['completion', 'classifier']).nullish(),
  hyperparameters: hyperparametersIn,
  repositories: z.array(githubRepositoryIn).max(MAX_REPOSITORIES).nullish(),
  classifier_targets: z.array(classifierTargetIn).min(1).max(MAX_TARGETS).nullish(),
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
