import { z } from 'zod';
import { boundedNumber } from '../../jobs/hyperparameter-bounds.ts';

// Request shapes of /v1/fine_tuning/jobs, from OpenAI's OpenAPI file. Objects
// are strict: OpenAI answers an unknown argument with a 400, and so do we.

const auto = z.literal('auto');
const batchSize = z.union([auto, boundedNumber('batch_size')]);
const lrMultiplier = z.union([auto, boundedNumber('learning_rate_multiplier')]);
const nEpochs = z.union([auto, boundedNumber('n_epochs')]);

export const supervisedHyperparameters = z.strictObject({
  batch_size: batchSize.optional(),
  learning_rate_multiplier: lrMultiplier.optional(),
  n_epochs: nEpochs.optional(),
});
export type SupervisedHyperparameters = z.infer<typeof supervisedHyperparameters>;

const dpoHyperparameters = supervisedHyperparameters.extend({ beta: z.union([auto, boundedNumber('beta')]).optional() });
export type DpoHyperparameters = z.infer<typeof dpoHyperparameters>;

export const metadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, { message: 'too many properties; expected an object with at most 16 properties' });

const wandbIntegration = z.strictObject({
  type: z.literal('wandb'),
  wandb: z.strictObject({
    project: z.string().min(1).max(128),
    name: z.string().max(128).nullish(),
    entity: z.string().max(128).nullish(),
    tags: z.array(z.string().min(1).max(64)).max(50).nullish(),
  }),
});

export const methodSchema = z.strictObject({
  type: z.enum(['supervised', 'dpo', 'reinforcement']),
  supervised: z.strictObject({ hyperparameters: supervisedHyperparameters.optional() }).optional(),
  dpo: z.strictObject({ hyperparameters: dpoHyperparameters.optional() }).optional(),
  // Reinforcement is refused after parsing (not built yet); its shape is large, so it is not checked here.
  reinforcement: z.record(z.string(), z.unknown()).optional(),
});

export const createJobSchema = z.strictObject({
  model: z.string().min(1),
  training_file: z.string().min(1),
  validation_file: z.string().min(1).nullish(),
  hyperparameters: supervisedHyperparameters.nullish(),
  // The suffix becomes a segment of a `:`-separated model name, so it takes no `:` or spaces.
  suffix: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'may only contain letters, digits, ".", "_" and "-"')
    .nullish(),
  seed: boundedNumber('seed').nullish(),
  integrations: z.array(wandbIntegration).max(5).nullish(),
  method: methodSchema.nullish(),
  metadata: metadataSchema.nullish(),
});
export type CreateJobRequest = z.infer<typeof createJobSchema>;
