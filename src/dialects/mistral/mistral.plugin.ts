import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors/app-error.ts';
import { authenticate } from '../../server/auth.ts';
import type { AppContext } from '../../server/context.ts';
import { renderMistralError } from './errors.ts';

/** The Mistral dialect, mounted at /mistral/v1 (SDK serverURL: http://host:port/mistral). */
export function mistralPlugin(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(renderMistralError);
    app.setNotFoundHandler((request, reply) =>
      renderMistralError(notFound(`Invalid URL (${request.method} ${request.url})`, null, 'unknown_url'), request, reply),
    );
    app.addHook('onRequest', async (request) => {
      request.caller = authenticate(request, ctx.config.apiKeys);
    });
    // Route groups register here, one line each.
  };
}
