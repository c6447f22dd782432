import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notModified } from '../../server/http/etag.ts';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { parseRecordId } from '../../ids/ids.ts';
import type { Job } from '../../jobs/job.ts';
import type { AppContext } from '../../server/context.ts';
import { toCreateCommand } from './job.request.ts';
import { createQuery, jobIn, listJobsQuery } from './job.schemas.ts';
import { statusesShownAs, toDetailedJobOut, toJobOut } from './job.mappers.ts';
import { dryRun } from './dry-run.ts';

type JobRequest = FastifyRequest<{ Params: { id: string } }>;

export function mistralJobsRoutes(app: FastifyInstance, ctx: AppContext) {
  const load = (request: JobRequest): Promise<Job> =>
    ctx.jobs.get(request.caller, parseRecordId('job', request.params.id), request.params.id);
  const detailed = async (job: Job) => toDetailedJobOut(job, await ctx.events.all(job.id, 'message'), await ctx.checkpoints.all(job.id));

  app.post('/fine_tuning/jobs', async (request) => {
    const query = parseOrThrow(createQuery, request.query);
    const body = parseOrThrow(jobIn, request.body ?? {});
    const command = toCreateCommand(body, request.caller);
    if (query.dry_run) return dryRun(ctx, command);
    return toJobOut(await ctx.jobs.create(command));
  });

  app.get('/fine_tuning/jobs', async (request, reply) => {
    const q = parseOrThrow(listJobsQuery, request.query);
    if (notModified(request, reply, await ctx.versions.projectJobs(request.caller))) return reply.send();
    const { jobs, total } = await ctx.jobSearch.search({
      tenant: request.caller,
      model: q.model,
      createdAfter: q.created_after,
      createdBefore: q.created_before,
      // Without API keys every caller is anonymous: "mine" is then every job of the project.
      createdBy: q.created_by_me && request.caller.keyFingerprint ? request.caller.keyFingerprint : undefined,
      statuses: q.status ? statusesShownAs(q.status) : undefined,
      suffix: q.suffix,
      wandbProject: q.wandb_project,
      wandbName: q.wandb_name,
      page: q.page,
      pageSize: q.page_size,
    });
    return { object: 'list', data: jobs.map(toJobOut), total };
  });

  app.get('/fine_tuning/jobs/:id', async (request: JobRequest, reply) => {
    const version = await ctx.versions.job(request.caller, parseRecordId('job', request.params.id), { events: true, checkpoints: true });
    if (notModified(request, reply, version)) return reply.send();
    return detailed(await load(request));
  });

  for (const action of ['cancel', 'start'] as const) {
    app.post(`/fine_tuning/jobs/:id/${action}`, async (request: JobRequest) => {
      const job = await load(request);
      return detailed(await ctx.jobs[action](job, job.id));
    });
  }
}
