import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors/app-error.ts';
import { authenticate } from '../../server/auth.ts';
import type { AppContext } from '../../server/context.ts';
import { openAiChatRoutes } from './chat.routes.ts';
import { renderOpenAiError } from './errors.ts';
import { openAiFilesRoutes } from './files.routes.ts';
import { openAiJobsRoutes } from './jobs.routes.ts';
import { openAiModelsRoutes } from './models.routes.ts';

/** The OpenAI dialect, mounted at /v1. */
export function openAiPlugin(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(renderOpenAiError);
    app.setNotFoundHandler((request, reply) =>
      renderOpenAiError(notFound(`Invalid URL (${request.method} ${request.url})`, null, 'unknown_url'), request, reply),
    );
    app.addHook('onRequest', async (request) => {
      request.caller = authenticate(request, ctx.config.apiKeys);
    });
    openAiFilesRoutes(app, ctx);
    openAiJobsRoutes(app, ctx);
    openAiModelsRoutes(app, ctx);
    openAiChatRoutes(app, ctx);
  };
}
