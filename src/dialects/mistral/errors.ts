import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../errors/app-error.ts';
import { ERROR_CATALOGUE } from '../../errors/catalogue.ts';
import { toAppError } from '../../server/framework-errors.ts';
import { retryIsFutile } from '../openai/errors.ts';

// Mistral's error shapes: request validation failures are FastAPI's 422
// `{"detail": [{loc, msg, type}]}` (the SDK parses that list on the routes that
// declare it); everything else uses the `{object: "error", …}` envelope. The
// catalogue says which code takes which shape.

export const mistralErrorBody = (e: AppError) => ({ object: 'error', message: e.message, type: e.type, param: e.param, code: e.code });

/**
 * The field at fault as FastAPI's `loc`: `training_files[0].weight` →
 * ['body', 'training_files', 0, 'weight']; a query parameter is under 'query'.
 */
function locOf(param: string | null, request: FastifyRequest) {
  const path = param ? param.split(/\.|\[(\d+)\]/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  const query = (request.query ?? {}) as Record<string, unknown>;
  return [typeof path[0] === 'string' && Object.hasOwn(query, path[0]) ? 'query' : 'body', ...path];
}

export function renderMistralError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toAppError(err);
  if (e.status >= 500) request.log.error({ err: (e.cause as Error) ?? e }, 'request failed');
  if (retryIsFutile(e)) void reply.header('x-should-retry', 'false');
  if (ERROR_CATALOGUE[e.code].mistral === 'detail') {
    return reply.status(422).type('application/json').send({ detail: [{ type: e.code, loc: locOf(e.param, request), msg: e.message }] });
  }
  return reply.status(e.status).type('application/json').send(mistralErrorBody(e));
}
