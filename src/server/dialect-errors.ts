import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderMistralError } from '../dialects/mistral/errors.ts';
import { renderOpenAiError } from '../dialects/openai/errors.ts';
import { AppError, notFound } from '../errors/app-error.ts';

type Renderer = (err: unknown, request: FastifyRequest, reply: FastifyReply) => unknown;

/** Every error and unknown route under a dialect's prefix is answered in that dialect's shape. */
export function renderErrorsWith(app: FastifyInstance, render: Renderer): void {
  app.setErrorHandler((err, request, reply) => {
    // Both dialects' SDKs honour `retry-after` when they retry a 503.
    if (err instanceof AppError && err.retryAfterSeconds !== null) void reply.header('retry-after', String(Math.ceil(err.retryAfterSeconds)));
    return render(err, request, reply);
  });
  app.setNotFoundHandler((request, reply) => render(notFound(`Invalid URL (${request.method} ${request.url})`, null, 'unknown_url'), request, reply));
}

/**
 * Errors the router raises before any route or prefix is chosen (bad
 * percent-encoding, a path parameter too long), rendered by the dialect the URL names.
 */
export const renderFrameworkError: Renderer = (err, request, reply) =>
  (request.url.startsWith('/mistral/') ? renderMistralError : renderOpenAiError)(err, request, reply);
