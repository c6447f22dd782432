import type { FastifyInstance } from 'fastify';
import { pack } from 'tar-fs';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { unixSeconds } from '../../ids/clock.ts';
import type { ModelPull } from '../../models/model-pulls.ts';
import type { AppContext } from '../../server/context.ts';
import { requireAdmin } from '../../tenancy/admin-access.ts';

// selftune extensions (no OpenAI counterpart): models in from the Hugging Face
// Hub, fine-tuned models out as standalone Hugging Face folders. Their own
// top-level names, so they can never be mistaken for a model id under /models/.

const pullIn = z.strictObject({
  model: z.string().min(1).max(200),
  revision: z.string().min(1).max(256).default('main'),
  include_patterns: z.array(z.string().min(1).max(200)).max(32).default([]),
});

const exportQuery = z.object({ merged: z.enum(['true', 'false']).default('false') });

export const toWirePull = (p: ModelPull) => ({
  id: p.id,
  object: 'model.pull',
  model: p.model,
  revision: p.revision,
  include_patterns: p.includePatterns,
  status: p.status,
  commit: p.commit,
  bytes_done: p.bytesDone,
  bytes_total: p.bytesTotal,
  files_done: p.filesDone,
  files_total: p.filesTotal,
  skipped_files: p.skippedFiles,
  error: p.error,
  created_at: unixSeconds(p.createdAt),
  finished_at: p.finishedAt === null ? null : unixSeconds(p.finishedAt),
});

export function openAiModelTransferRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/model_pulls', async (request) => {
    // A base model is every project's: adding one is the organization admin's call.
    requireAdmin(request.caller);
    const body = parseOrThrow(pullIn, request.body ?? {});
    return toWirePull(ctx.modelPulls.start({ model: body.model, revision: body.revision, includePatterns: body.include_patterns }));
  });

  app.get('/model_pulls', async () => ({ object: 'list', data: ctx.modelPulls.list().map(toWirePull) }));

  app.get<{ Params: { id: string } }>('/model_pulls/:id', async (request) => toWirePull(ctx.modelPulls.get(request.params.id)));

  // A tar archive of the model folder's files (no enclosing folder), streamed as it is packed.
  app.get<{ Params: { '*': string } }>('/model_exports/*', async (request, reply) => {
    const q = parseOrThrow(exportQuery, request.query);
    const exported = await ctx.exporter.export(request.caller, request.params['*'], q.merged === 'true');
    reply.raw.once('close', () => void exported.remove());
    const filename = `${request.params['*'].replace(/[^A-Za-z0-9._-]+/g, '_')}${q.merged === 'true' ? '-merged' : ''}.tar`;
    return reply.header('content-type', 'application/x-tar').header('content-disposition', `attachment; filename="${filename}"`).send(pack(exported.dir));
  });
}
