import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import type { ClassifyInput } from '../../inference/generation.ts';
import { limitClassifyTokens } from '../../limits/limits.http.ts';
import type { AppContext } from '../../server/context.ts';

// POST /classifications ({model, input: string | string[]}) and
// /chat/classifications ({model, input: {messages} | [{messages}]}): one result
// per input, each target's scores wrapped in `scores` as the SDK requires.

const message = z.object({ role: z.enum(['system', 'user', 'assistant', 'tool']), content: z.string() });
const conversation = z.object({ messages: z.array(message).min(1) });

const textRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
const chatRequest = z.object({
  model: z.string().min(1),
  input: z.union([conversation, z.array(conversation).min(1)]),
});

export function mistralClassifyRoutes(app: FastifyInstance, ctx: AppContext) {
  const answer = async (request: FastifyRequest, reply: FastifyReply, model: string, inputs: ClassifyInput[]) => {
    const results = await limitClassifyTokens(ctx.limits, request, reply, inputs, () => ctx.inference.classify(request.caller, model, inputs));
    return {
      id: randomUUID().replace(/-/g, ''),
      model,
      results: results.map((r) => Object.fromEntries(Object.entries(r).map(([target, scores]) => [target, { scores }]))),
    };
  };

  app.post('/classifications', async (request, reply) => {
    const body = parseOrThrow(textRequest, request.body ?? {});
    return answer(request, reply, body.model, [body.input].flat().map((text) => ({ text })));
  });

  app.post('/chat/classifications', async (request, reply) => {
    const body = parseOrThrow(chatRequest, request.body ?? {});
    return answer(request, reply, body.model, [body.input].flat());
  });
}
