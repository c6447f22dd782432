import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../errors/app-error.ts';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import type { EffectiveLimits } from '../../limits/project-limits.ts';
import type { AppContext } from '../../server/context.ts';
import { projectOfOrganization } from '../../tenancy/admin-access.ts';

// OpenAI's project rate limits (Admin API), and selftune's quotas beside them.
// selftune applies a project's limits to each of its keys and to every model
// together, so a project has one rate limit, `rl-all` for model `*`. 0 means
// unlimited; null in an update goes back to the deployment's default.

const RATE_LIMIT_ID = 'rl-all';
const limitValue = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional();

const rateLimitUpdate = z.strictObject({
  max_requests_per_1_minute: limitValue,
  max_tokens_per_1_minute: limitValue,
});

const quotasUpdate = z.strictObject({
  max_concurrent_fine_tuning_jobs: limitValue,
  max_storage_bytes: limitValue,
});

type ProjectRequest = FastifyRequest<{ Params: { project_id: string } }>;

const toRateLimit = (limits: EffectiveLimits) => ({
  object: 'project.rate_limit',
  id: RATE_LIMIT_ID,
  model: '*',
  max_requests_per_1_minute: limits.requestsPerMinute,
  max_tokens_per_1_minute: limits.tokensPerMinute,
});

export function openAiLimitsRoutes(app: FastifyInstance, ctx: AppContext) {
  const project = (request: ProjectRequest) => projectOfOrganization(ctx.tenancy, request.caller, request.params.project_id);

  const quotas = async (projectId: string) => {
    const [limits, usage] = await Promise.all([ctx.limits.projects.of(projectId), ctx.limits.quotas.usage(projectId)]);
    return {
      object: 'project.quotas',
      project_id: projectId,
      max_concurrent_fine_tuning_jobs: limits.activeJobs,
      max_storage_bytes: limits.storageBytes,
      usage: { active_fine_tuning_jobs: usage.activeJobs, storage_bytes: usage.storageBytes },
    };
  };

  app.get('/organization/projects/:project_id/rate_limits', async (request: ProjectRequest) => {
    const { id } = await project(request);
    return { object: 'list', data: [toRateLimit(await ctx.limits.projects.of(id))], first_id: RATE_LIMIT_ID, last_id: RATE_LIMIT_ID, has_more: false };
  });

  app.post('/organization/projects/:project_id/rate_limits/:rate_limit_id', async (request: FastifyRequest<{ Params: { project_id: string; rate_limit_id: string } }>) => {
    const { id } = await project(request);
    if (request.params.rate_limit_id !== RATE_LIMIT_ID) {
      throw notFound(`No rate limit '${request.params.rate_limit_id}' in project ${id}: selftune has one, '${RATE_LIMIT_ID}', for every model.`, 'rate_limit_id', 'rate_limit_not_found');
    }
    const body = parseOrThrow(rateLimitUpdate, request.body ?? {});
    await ctx.limits.projects.set(id, { max_requests_per_minute: body.max_requests_per_1_minute, max_tokens_per_minute: body.max_tokens_per_1_minute });
    return toRateLimit(await ctx.limits.projects.of(id));
  });

  app.get('/organization/projects/:project_id/quotas', async (request: ProjectRequest) => quotas((await project(request)).id));

  app.post('/organization/projects/:project_id/quotas', async (request: ProjectRequest) => {
    const { id } = await project(request);
    const body = parseOrThrow(quotasUpdate, request.body ?? {});
    await ctx.limits.projects.set(id, { max_concurrent_jobs: body.max_concurrent_fine_tuning_jobs, max_storage_bytes: body.max_storage_bytes });
    return quotas(id);
  });
}
