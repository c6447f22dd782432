import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../errors/app-error.ts';
import { toAppError } from '../../server/framework-errors.ts';

// OpenAI's error envelope: {"error": {message, type, param, code}} on every non-2xx.

export const openAiErrorBody = (e: AppError) => ({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });

/** Errors a retry cannot fix soon: a state conflict is final, a full disk stays full, and a quota frees only when jobs finish or files go. */
export const retryIsFutile = (e: AppError) => e.status === 409 || e.code === 'disk_full' || e.type === 'insufficient_quota';

export function renderOpenAiError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toAppError(err);
  if (e.status >= 500) request.log.error({ err: (e.cause as Error) ?? e }, 'request failed');
  // The SDK retries 409 and 5xx unless told not to.
  if (retryIsFutile(e)) void reply.header('x-should-retry', 'false');
  return reply.status(e.status).type('application/json').send(openAiErrorBody(e));
}
