import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../errors/app-error.ts';

type Renderer = (err: unknown, request: FastifyRequest, reply: FastifyReply) => unknown;

/** Every error and unknown route under a dialect's prefix is answered in that dialect's shape. */
export function renderErrorsWith(app: FastifyInstance, render: Renderer): void {
  app.setErrorHandler(render);
  app.setNotFoundHandler((request, reply) => render(notFound(`Invalid URL (${request.method} ${request.url})`, null, 'unknown_url'), request, reply));
}
