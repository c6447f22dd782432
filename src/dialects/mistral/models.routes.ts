import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalidRequest, notFound } from '../../errors/app-error.ts';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import type { CatalogModel } from '../../models/model-catalog.ts';
import type { AppContext } from '../../server/context.ts';
import { type Tenant, tenantOfRow } from '../../tenancy/principal.ts';
import { classifierTargetsOf } from './job-options.ts';
import { toFtModelOut, toModelCard } from './model.mappers.ts';

const updateIn = z.strictObject({ name: z.string().max(256).nullish(), description: z.string().max(4096).nullish() });

type ModelRequest = FastifyRequest<{ Params: { '*': string } }>;

// Model ids contain ':' and may contain one '/' (`org/name`, sent as %2F); the wildcard takes the rest of the path, already percent-decoded.
export function mistralModelsRoutes(app: FastifyInstance, ctx: AppContext) {
  const maxContext = ctx.config.maxSeqLen;
  const targets = async (m: CatalogModel) => {
    if (m.kind === 'base' || m.row.model_type !== 'classifier') return null;
    return classifierTargetsOf(await ctx.jobs.get(tenantOfRow(m.row), m.row.job_id)); // a shared model's job is its own project's
  };
  const fineTuned = async (tenant: Tenant, id: string) => {
    const model = await ctx.catalog.require(tenant, id);
    if (model.kind === 'base') throw invalidRequest(`The model '${id}' is a base model; only fine-tuned models can be changed.`, 'model_id', 'model_not_editable');
    return model;
  };

  app.get('/models', async (request) => {
    const models = await ctx.catalog.list(request.caller);
    return { object: 'list', data: await Promise.all(models.map(async (m) => toModelCard(m, maxContext, await targets(m)))) };
  });

  app.get('/models/*', async (request: ModelRequest) => {
    const model = await ctx.catalog.require(request.caller, request.params['*']);
    return toModelCard(model, maxContext, await targets(model));
  });

  app.delete('/models/*', async (request: ModelRequest) => {
    const id = request.params['*'];
    await ctx.catalog.delete(request.caller, id);
    return { id, object: 'model', deleted: true };
  });

  app.patch('/fine_tuning/models/*', async (request: ModelRequest) => {
    const body = parseOrThrow(updateIn, request.body ?? {});
    const id = request.params['*'];
    await fineTuned(request.caller, id);
    await ctx.catalog.update(request.caller, id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
    });
    const model = await fineTuned(request.caller, id);
    return toFtModelOut(model, maxContext, await targets(model));
  });

  // POST archives, DELETE unarchives: /fine_tuning/models/{id}/archive.
  for (const [method, archived] of [['POST', 1], ['DELETE', 0]] as const) {
    app.route({
      method,
      url: '/fine_tuning/models/*',
      handler: async (request: ModelRequest) => {
        const match = /^(.+)\/archive$/.exec(request.params['*']);
        if (!match) throw notFound(`Invalid URL (${request.method} ${request.url})`, null, 'unknown_url');
        const row = await ctx.catalog.update(request.caller, (await fineTuned(request.caller, match[1]!)).id, { archived });
        return { id: row.id, object: 'model', archived: Boolean(row.archived) };
      },
    });
  }
}
