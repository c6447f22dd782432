import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.ts';

// OpenAI's error envelope: {"error": {message, type, param, code}} on every non-2xx.

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  // Fastify's own request errors (malformed JSON, wrong content type, body too large) are the client's fault.
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const type = fe.statusCode === 413 ? 'payload_too_large_error' : 'invalid_request_error';
    const message = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError
      ? `We could not parse the JSON body of your request: ${fe.message}`
      : fe.message;
    return new AppError({ status: fe.statusCode, type, message, code: fe.code?.startsWith('FST_') ? 'invalid_body' : (fe.code ?? null) });
  }
  return new AppError({ status: 500, type: 'server_error', message: 'The server had an error while processing your request.', cause: err });
}

export function renderOpenAiError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toAppError(err);
  if (e.status >= 500) request.log.error({ err: (e.cause as Error) ?? e }, 'request failed');
  // The SDK retries 409 and 5xx; a state conflict is final, so say so.
  if (e.status === 409) void reply.header('x-should-retry', 'false');
  return reply.status(e.status).type('application/json').send({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}
