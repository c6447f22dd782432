import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { parseRecordId } from '../../ids/ids.ts';
import { z } from 'zod';
import { invalidRequest } from '../../errors/app-error.ts';
import type { Job } from '../../jobs/job.ts';
import { JOB_STATUS, type JobStatus } from '../../jobs/job-status.ts';
import type { AppContext } from '../../server/context.ts';
import { notModified } from '../../server/http/etag.ts';
import { type JobParts, jobVersion } from '../../jobs/job-versions.ts';
import { jsonList, WireCache } from '../../server/http/wire-cache.ts';
import { createJobSchema, metadataSchema } from './job.schemas.ts';
import { toCreateCommand } from './job.request.ts';
import { openAiStatus, toWireCheckpoint, toWireEvent, toWireJob } from './mappers.ts';
import { cursorPage, cursorQuery } from './pagination.ts';

type JobRequest = FastifyRequest<{ Params: { id: string } }>;

/** `metadata[key]=value` pairs of the list query (the SDK encodes the map with brackets). */
function metadataFilter(query: Record<string, unknown>): Record<string, string> | null | undefined {
  if (query.metadata === 'null') return null;
  const pairs = Object.entries(query).flatMap(([k, v]) => {
    const m = /^metadata\[(.+)\]$/.exec(k);
    return m ? [[m[1]!, String(v)] as const] : [];
  });
  return pairs.length ? parseOrThrow(metadataSchema, Object.fromEntries(pairs), 'metadata') : undefined;
}

/** `status=running` (an extension to OpenAI's list, used by the dashboard): the internal statuses shown as that status. */
function statusFilter(value: unknown): JobStatus[] | undefined {
  if (value === undefined) return undefined;
  const wanted = parseOrThrow(z.string().min(1), value, 'status');
  const matches = Object.values(JOB_STATUS).filter((s) => openAiStatus(s) === wanted);
  if (!matches.length) throw invalidRequest(`Invalid 'status': '${wanted}' is not a job status.`, 'status', 'invalid_value');
  return matches;
}

// Built once: a zod schema built per request costs more than the rest of a cached read.
const listQuery = cursorQuery(20, 100);
const checkpointsQuery = cursorQuery(10, 100);
/** `type=metrics|message` is an extension to OpenAI's events list: the dashboard reads a job's whole loss history without its messages. */
const eventsQuery = cursorQuery(20, 1000).extend({ type: z.enum(['message', 'metrics']).optional() });

/**
 * OpenAI's job object, and `selftune_progress` (an extension): the training
 * step reached out of the total, so that a list shows progress without asking
 * for each job's events.
 */
const toListedJob = (job: Job) => ({
  ...toWireJob(job),
  selftune_progress: job.totalSteps ? { step: job.currentStep, total_steps: job.totalSteps } : null,
});

/** A job waiting for a start request shows as `paused`: pausing it again changes nothing, resuming starts it. */
const shownAsPaused = (job: Job) => job.status === 'validated';
const pausedVerbs = { cancel: 'cancel', pause: 'get', resume: 'start' } as const;

export function openAiJobsRoutes(app: FastifyInstance, ctx: AppContext) {
  const answers = new WireCache();
  const jobKey = (id: string, version: string) => `${id}@${version}`;
  /** The job's answer as JSON, built once per version of the job. */
  const jobJson = (job: Job) => answers.json(jobKey(job.id, jobVersion(job.modifiedAt, job.status, job.currentStep)), () => toListedJob(job));
  const sendJson = (reply: FastifyReply, text: string) => reply.type('application/json; charset=utf-8').send(text);

  const load = (request: JobRequest): Promise<Job> =>
    ctx.jobs.get(request.caller, parseRecordId('job', request.params.id), request.params.id);
  /** True when the poller's copy is current (the reply is then a 304); read after the query is validated, before the answer is built. */
  const unchanged = async (request: JobRequest, reply: FastifyReply, parts?: JobParts) =>
    notModified(request, reply, await ctx.versions.job(request.caller, parseRecordId('job', request.params.id), parts));

  app.post('/fine_tuning/jobs', async (request) => {
    const body = parseOrThrow(createJobSchema, request.body ?? {});
    return toListedJob(await ctx.jobs.create(toCreateCommand(body, request.caller)));
  });

  app.get('/fine_tuning/jobs', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const { after, limit } = parseOrThrow(listQuery, { after: query.after, limit: query.limit });
    const afterId = after ? (parseRecordId('job', after) ?? 'none') : undefined;
    const status = statusFilter(query.status);
    const metadata = metadataFilter(query);
    // Ids and versions first: they are the page's version (its ETag), and whole rows are read only
    // for the jobs whose answer is not at hand at that version.
    const page = await ctx.jobs.listVersions({ tenant: request.caller, limit, after: afterId, metadata, status });
    if (notModified(request, reply, page.map((j) => jobKey(j.id, j.version)).join(','))) return reply.send();
    const shown = new Map(page.slice(0, limit).map((j) => [j.id, answers.get(jobKey(j.id, j.version))]));
    const missing = [...shown].filter(([, text]) => text === undefined).map(([id]) => id);
    // A job changed between the two reads shows as it is now; one removed in between is left out.
    for (const job of await ctx.jobs.findMany(request.caller, missing)) shown.set(job.id, jobJson(job));
    const items = [...shown.values()].filter((text) => text !== undefined);
    return sendJson(reply, jsonList(items, { has_more: page.length > limit }));
  });

  app.get('/fine_tuning/jobs/:id', async (request: JobRequest, reply) => {
    const id = parseRecordId('job', request.params.id);
    const version = await ctx.versions.job(request.caller, id);
    if (notModified(request, reply, version)) return reply.send();
    const known = id && version ? answers.get(jobKey(id, version)) : undefined;
    return sendJson(reply, known ?? jobJson(await load(request)));
  });

  for (const action of ['cancel', 'pause', 'resume'] as const) {
    app.post(`/fine_tuning/jobs/:id/${action}`, async (request: JobRequest) => {
      const job = await load(request);
      return toListedJob(await ctx.jobs[shownAsPaused(job) ? pausedVerbs[action] : action](job, job.id));
    });
  }

  app.get('/fine_tuning/jobs/:id/events', async (request: JobRequest, reply) => {
    const { after, limit, type } = parseOrThrow(eventsQuery, request.query);
    if (await unchanged(request, reply, { events: true })) return reply.send();
    const job = await load(request);
    const afterId = after ? (parseRecordId('event', after) ?? 'none') : undefined;
    return cursorPage(await ctx.events.page(job.id, limit, afterId, type), limit, toWireEvent, false);
  });

  app.get('/fine_tuning/jobs/:id/checkpoints', async (request: JobRequest, reply) => {
    const { after, limit } = parseOrThrow(checkpointsQuery, request.query);
    if (await unchanged(request, reply, { checkpoints: true })) return reply.send();
    const job = await load(request);
    const afterId = after ? (parseRecordId('checkpoint', after) ?? 'none') : undefined;
    return cursorPage(await ctx.checkpoints.page(job.id, limit, afterId), limit, toWireCheckpoint, true);
  });
}
