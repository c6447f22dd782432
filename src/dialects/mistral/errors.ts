import type { FastifyReply, FastifyRequest } from 'fastify';
import { toAppError } from '../openai/errors.ts';

// Mistral's error shapes: request validation failures are FastAPI's 422
// `{"detail": [{loc, msg, type}]}` (the SDK parses that list on the routes that
// declare it); everything else uses the `{object: "error", …}` envelope.

export function renderMistralError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toAppError(err);
  if (e.status >= 500) request.log.error({ err: (e.cause as Error) ?? e }, 'request failed');
  if (e.status === 422 || (e.status === 400 && e.param !== null && e.code !== null && VALIDATION_CODES.has(e.code))) {
    const loc = ['body', ...(e.param ? e.param.split(/\.|\[(\d+)\]/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [])];
    return reply.status(422).type('application/json').send({ detail: [{ type: e.code ?? 'value_error', loc, msg: e.message }] });
  }
  return reply.status(e.status).type('application/json').send({ object: 'error', message: e.message, type: e.type, param: e.param, code: e.code });
}

/** Codes that mean "this request field is invalid" (FastAPI answers those with 422). */
const VALIDATION_CODES = new Set([
  'missing_required_parameter',
  'unknown_parameter',
  'invalid_type',
  'invalid_value',
  'string_above_max_length',
  'string_below_min_length',
  'value_above_maximum',
  'value_below_minimum',
  'object_above_max_properties',
]);
