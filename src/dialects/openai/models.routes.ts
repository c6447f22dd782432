import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.ts';
import { toWireModel } from './mappers.ts';

// Model ids contain ':' (`ft:base:org:suffix:id`); the wildcard route takes
// the rest of the path whole, and Fastify has already decoded any `%3A`.
export function openAiModelsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/models', async (request) => {
    const models = await ctx.catalog.list(request.caller.orgId);
    return { object: 'list', data: models.map(toWireModel) };
  });

  app.get<{ Params: { '*': string } }>('/models/*', async (request) => {
    return toWireModel(await ctx.catalog.require(request.caller.orgId, request.params['*']));
  });

  app.delete<{ Params: { '*': string } }>('/models/*', async (request) => {
    const id = request.params['*'];
    await ctx.catalog.delete(request.caller.orgId, id);
    return { id, object: 'model', deleted: true };
  });
}
