import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../errors/app-error.ts';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import type { AppContext } from '../../server/context.ts';
import { toWireModel, toWireUnusableModel } from './mappers.ts';

// Model ids contain ':' (`ft:base:org:suffix:id`) and may contain one '/'
// (`Qwen/Qwen2.5-0.5B-Instruct`, which the SDK sends as `%2F`); the wildcard
// route takes the rest of the path whole, and Fastify has already decoded it.
const sharingIn = z.strictObject({ organization: z.boolean() });

export function openAiModelsRoutes(app: FastifyInstance, ctx: AppContext) {
  // Extension: `?include_unusable=true` adds the models folder's unusable folders with their reason.
  app.get<{ Querystring: { include_unusable?: string } }>('/models', async (request) => {
    const models = (await ctx.catalog.list(request.caller)).map(toWireModel);
    const unusable = request.query.include_unusable === 'true' ? (await ctx.catalog.unusable()).map(toWireUnusableModel) : [];
    return { object: 'list', data: [...models, ...unusable] };
  });

  app.get<{ Params: { '*': string } }>('/models/*', async (request) => {
    return toWireModel(await ctx.catalog.require(request.caller, request.params['*']));
  });

  app.delete<{ Params: { '*': string } }>('/models/*', async (request) => {
    const id = request.params['*'];
    await ctx.catalog.delete(request.caller, id);
    return { id, object: 'model', deleted: true };
  });

  // Extension: POST /models/{model}/sharing {"organization": true|false} shares a trained model with
  // (or takes it back from) the other projects of its organization; only its own project may.
  app.post<{ Params: { '*': string } }>('/models/*', async (request) => {
    const match = /^(.+)\/sharing$/.exec(request.params['*']);
    if (!match) throw notFound(`Invalid URL (${request.method} ${request.url})`, null, 'unknown_url');
    const { organization } = parseOrThrow(sharingIn, request.body ?? {});
    await ctx.catalog.update(request.caller, match[1]!, { shared_with_org: organization ? 1 : 0 });
    return toWireModel(await ctx.catalog.require(request.caller, match[1]!));
  });
}
