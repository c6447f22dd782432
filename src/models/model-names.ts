import { createHash } from 'node:crypto';
import { randomBase62 } from '../ids/ids.ts';
import type { Job } from '../jobs/job.ts';

// Fine-tuned model names, in the scheme the job's request asked for (options.modelNaming).
// OpenAI's documented scheme:
//   ft:<base>:<org>:<suffix>:<id8>                 the final model
//   ft:<base>:<org>:<suffix>:<id8'>:ckpt-step-<N>  a kept checkpoint (its own id8)
// The org segment is the organization id without its `org-` prefix.
// Mistral's (observed):
//   ft:<base>:<8-hex workspace>:<YYYYMMDD>[:<suffix>]:<first 8 hex of the job id>
//   ft:classifier:<base>:<8-hex workspace>:<YYYYMMDD>[:<suffix>]:<8-hex job>
// The workspace segment is a stable hash of the organization id; a suffix goes
// before the job segment (the form of Mistral's newest Python SDK docs).

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

function mistralModelName(job: Job, base: string): string {
  const workspace = createHash('sha256').update(job.orgId).digest('hex').slice(0, 8);
  const day = new Date(job.createdAt).toISOString().slice(0, 10).replace(/-/g, '');
  const kind = job.jobType === 'classifier' ? ['classifier'] : [];
  return ['ft', ...kind, base, workspace, day, ...(job.suffix ? [job.suffix] : []), job.id.replace(/-/g, '').slice(0, 8)].join(':');
}
