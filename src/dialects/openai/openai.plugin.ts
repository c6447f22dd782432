import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.ts';
import { renderErrorsWith } from '../../server/dialect-errors.ts';
import { limitRequest } from '../../limits/limits.http.ts';
import { openAiChatRoutes } from './chat.routes.ts';
import { renderOpenAiError } from './errors.ts';
import { openAiFilesRoutes } from './files.routes.ts';
import { openAiJobsRoutes } from './jobs.routes.ts';
import { openAiLimitsRoutes } from './limits.routes.ts';
import { openAiModelTransferRoutes } from './model-transfer.routes.ts';
import { openAiModelsRoutes } from './models.routes.ts';
import { openAiOrganizationRoutes } from './organization.routes.ts';

/** The OpenAI dialect, mounted at /v1. */
export function openAiPlugin(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    renderErrorsWith(app, renderOpenAiError);
    app.addHook('onRequest', async (request, reply) => {
      request.caller = await ctx.auth.authenticate(request);
      await limitRequest(ctx.limits, request, reply);
    });
    openAiFilesRoutes(app, ctx);
    openAiJobsRoutes(app, ctx);
    openAiModelsRoutes(app, ctx);
    openAiModelTransferRoutes(app, ctx);
    openAiChatRoutes(app, ctx);
    openAiLimitsRoutes(app, ctx);
    openAiOrganizationRoutes(app, ctx);
  };
}
