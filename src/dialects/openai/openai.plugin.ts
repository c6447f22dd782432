import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.ts';
import { projectOfOrganization, requireAdmin } from '../../tenancy/admin-access.ts';
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
import { openAiUploadsRoutes } from './uploads.routes.ts';
import { openAiWebhooksRoutes } from './webhooks.routes.ts';

/** OpenAI's Admin API (/v1/organization/…) and selftune's organizations (/v1/organizations). */
const ADMIN_API = /^\/v1\/organizations?(\/|\?|$)/;

/** The OpenAI dialect, mounted at /v1. */
export function openAiPlugin(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    renderErrorsWith(app, renderOpenAiError);
    app.addHook('onRequest', async (request, reply) => {
      request.caller = await ctx.auth.authenticate(request);
      // The Admin API settles who may ask, and whether the project is theirs, before it reads a body:
      // a project key, or another organization's admin, learns nothing from a validation error.
      if (ADMIN_API.test(request.url)) {
        requireAdmin(request.caller);
        const projectId = (request.params as { project_id?: string }).project_id;
        if (projectId !== undefined) await projectOfOrganization(ctx.tenancy, request.caller, projectId);
      }
      await limitRequest(ctx.limits, request, reply);
    });
    openAiFilesRoutes(app, ctx);
    openAiUploadsRoutes(app, ctx);
    openAiJobsRoutes(app, ctx);
    openAiModelsRoutes(app, ctx);
    openAiModelTransferRoutes(app, ctx);
    openAiChatRoutes(app, ctx);
    openAiLimitsRoutes(app, ctx);
    openAiOrganizationRoutes(app, ctx);
    openAiWebhooksRoutes(app, ctx);
  };
}
