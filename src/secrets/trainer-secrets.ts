import type { Job } from '../jobs/job.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * What a job's trainer gets of its secrets, opened for its environment only
 * (never the spec file on disk): the W&B API key of the run it logs to.
 */
export function trainerSecretsEnv(job: Job, secrets: SecretBox): Record<string, string> {
  const apiKey = job.integrations[0]?.apiKey;
  return apiKey ? { WANDB_API_KEY: secrets.open(apiKey) } : {};
}
