import type { FastifyInstance } from 'fastify';
import { appError } from '../../errors/app-error.ts';
import type { AppContext } from '../../server/context.ts';
import { renderErrorsWith } from '../../server/dialect-errors.ts';
import { limitRequest } from '../../limits/limits.http.ts';
import { mistralChatRoutes } from './chat.routes.ts';
import { parseRecordId } from '../../ids/ids.ts';
import { mistralClassifyRoutes } from './classify.routes.ts';
import { renderMistralError } from './errors.ts';
import { isSignedDownload, mistralFilesRoutes } from './files.routes.ts';
import { mistralJobsRoutes } from './jobs.routes.ts';
import { mistralModelsRoutes } from './models.routes.ts';

/** The Mistral dialect, mounted at /mistral/v1 (SDK serverURL: http://host:port/mistral). */
export function mistralPlugin(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    renderErrorsWith(app, renderMistralError);
    app.addHook('onRequest', async (request, reply) => {
      if (isSignedDownload(request)) {
        // A signed link stands in for the API key, for this one file until it expires.
        const fileId = parseRecordId('file', (request.params as { id: string }).id) ?? '';
        const projectId = await ctx.signedUrls.verify(fileId, request.query as Record<string, unknown>, ctx.clock.nowMs());
        const project = await ctx.tenancy.project(projectId);
        if (!project) throw appError('invalid_signature', 'The signed URL names a project that no longer exists.');
        request.caller = { orgId: project.org_id, projectId, role: 'reader', keyId: null, keyFingerprint: null, deploymentAdmin: false };
        return;
      }
      request.caller = await ctx.auth.authenticate(request);
      await limitRequest(ctx.limits, request, reply);
    });
    // Route groups register here, one line each.
    mistralFilesRoutes(app, ctx);
    mistralJobsRoutes(app, ctx);
    mistralModelsRoutes(app, ctx);
    mistralClassifyRoutes(app, ctx);
    mistralChatRoutes(app, ctx);
  };
}
