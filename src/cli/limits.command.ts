import { adminClient, type CliContext } from './cli-context.ts';
import { required, UsageError } from './files.command.ts';
import { printObject } from './output.ts';

const USAGE = 'selftune limits get --project ID | set --project ID [--requests-per-minute N] [--tokens-per-minute N] [--max-jobs N] [--max-storage-bytes N]';

export interface LimitFlags {
  project?: string | undefined;
  'requests-per-minute'?: string | undefined;
  'tokens-per-minute'?: string | undefined;
  'max-jobs'?: string | undefined;
  'max-storage-bytes'?: string | undefined;
}

interface Quotas {
  max_concurrent_fine_tuning_jobs: number;
  max_storage_bytes: number;
  usage: { active_fine_tuning_jobs: number; storage_bytes: number };
}

/** A limit's flag: a count, 0 for unlimited, `default` for the deployment's setting (sent as null), or absent: unchanged. */
function limitFlag(value: string | undefined, flag: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} takes a whole number (0: unlimited) or 'default', not '${value}'`);
  return Number(value);
}

/** A project's rate limits and quotas (the Admin API's rate_limits and selftune's quotas beside them). */
export async function limitsCommand(ctx: CliContext, action: string | undefined, flags: LimitFlags) {
  if (action !== 'get' && action !== 'set') throw new UsageError(USAGE);
  const projectId = required(flags.project, '--project');
  const client = adminClient(ctx);
  const rateLimits = client.admin.organization.projects.rateLimits;
  const quotasPath = `/organization/projects/${encodeURIComponent(projectId)}/quotas`;
  if (action === 'set') {
    const rates = { max_requests_per_1_minute: limitFlag(flags['requests-per-minute'], 'requests-per-minute'), max_tokens_per_1_minute: limitFlag(flags['tokens-per-minute'], 'tokens-per-minute') };
    const quotas = { max_concurrent_fine_tuning_jobs: limitFlag(flags['max-jobs'], 'max-jobs'), max_storage_bytes: limitFlag(flags['max-storage-bytes'], 'max-storage-bytes') };
    const given = <T extends object>(o: T) => Object.values(o).some((v) => v !== undefined);
    if (!given(rates) && !given(quotas)) throw new UsageError(`nothing to set: ${USAGE}`);
    // The SDK's types say number; null (back to the deployment default) is what the route accepts.
    if (given(rates)) await rateLimits.updateRateLimit('rl-all', { project_id: projectId, ...(rates as Record<string, number>) });
    if (given(quotas)) await client.post(quotasPath, { body: quotas });
  }
  const [rate] = (await rateLimits.listRateLimits(projectId)).data;
  const quotas = (await client.get(quotasPath)) as Quotas;
  printObject(ctx, {
    project_id: projectId,
    requests_per_minute_per_key: rate?.max_requests_per_1_minute ?? null,
    tokens_per_minute_per_key: rate?.max_tokens_per_1_minute ?? null,
    max_concurrent_fine_tuning_jobs: quotas.max_concurrent_fine_tuning_jobs,
    active_fine_tuning_jobs: quotas.usage.active_fine_tuning_jobs,
    max_storage_bytes: quotas.max_storage_bytes,
    storage_bytes: quotas.usage.storage_bytes,
  });
}
