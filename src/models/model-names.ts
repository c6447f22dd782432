import { randomBase62 } from '../ids/ids.ts';
import type { Job } from '../jobs/job.ts';
import { mistralModelName } from './mistral-model-names.ts';

// Fine-tuned model names follow OpenAI's documented scheme:
//   ft:<base>:<org>:<suffix>:<id8>                 the final model
//   ft:<base>:<org>:<suffix>:<id8'>:ckpt-step-<N>  a kept checkpoint (its own id8)
// The org segment is the organization id without its `org-` prefix.

export const orgSegment = (orgId: string): string => orgId.replace(/^org-/, '');

/** The name a job's final model will have, in the scheme its request asked for. */
export function fineTunedModelNameOf(job: Job, base: string): string {
  return job.options.modelNaming === 'mistral' ? mistralModelName(job, base) : fineTunedModelName(base, job.orgId, job.suffix);
}

export function fineTunedModelName(base: string, orgId: string, suffix: string | null): string {
  return `ft:${base}:${orgSegment(orgId)}:${suffix ?? ''}:${randomBase62(8)}`;
}

export function checkpointModelName(base: string, orgId: string, suffix: string | null, step: number): string {
  return `ft:${base}:${orgSegment(orgId)}:${suffix ?? ''}:${randomBase62(8)}:ckpt-step-${step}`;
}
