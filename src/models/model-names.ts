import { randomBase62 } from '../ids/ids.ts';

// Fine-tuned model names follow OpenAI's documented scheme:
//   ft:<base>:<org>:<suffix>:<id8>                 the final model
//   ft:<base>:<org>:<suffix>:<id8'>:ckpt-step-<N>  a kept checkpoint (its own id8)
// The org segment is the organization id without its `org-` prefix.

export const orgSegment = (orgId: string): string => orgId.replace(/^org-/, '');

export function fineTunedModelName(base: string, orgId: string, suffix: string | null): string {
  return `ft:${base}:${orgSegment(orgId)}:${suffix ?? ''}:${randomBase62(8)}`;
}

export function checkpointModelName(base: string, orgId: string, suffix: string | null, step: number): string {
  return `ft:${base}:${orgSegment(orgId)}:${suffix ?? ''}:${randomBase62(8)}:ckpt-step-${step}`;
}
