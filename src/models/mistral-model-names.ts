import { createHash } from 'node:crypto';
import type { Job } from '../jobs/job.ts';

// Mistral's fine-tuned model names (observed):
//   ft:<base>:<8-hex workspace>:<YYYYMMDD>[:<suffix>]:<first 8 hex of the job id>
//   ft:classifier:<base>:<8-hex workspace>:<YYYYMMDD>[:<suffix>]:<8-hex job>
// The workspace segment is a stable hash of the organization id; a suffix goes
// before the job segment (the form of Mistral's newest Python SDK docs).

export function mistralModelName(job: Job, base: string): string {
  const workspace = createHash('sha256').update(job.orgId).digest('hex').slice(0, 8);
  const day = new Date(job.createdAt).toISOString().slice(0, 10).replace(/-/g, '');
  const kind = job.jobType === 'classifier' ? ['classifier'] : [];
  return ['ft', ...kind, base, workspace, day, ...(job.suffix ? [job.suffix] : []), job.id.replace(/-/g, '').slice(0, 8)].join(':');
}
