import type { FastifyInstance } from 'fastify';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { toChatMessages, toStopList } from '../../inference/chat-request.ts';
import { type ChunkFormat, collect, streamGeneration } from '../../server/http/chat-stream.ts';
import { mistralErrorBody } from './errors.ts';
import { type FinishReason, usageOf } from '../../inference/generation.ts';
import { unixSeconds } from '../../ids/clock.ts';
import { randomBase62 } from '../../ids/ids.ts';
import { limitTokens } from '../../limits/limits.http.ts';
import type { AppContext } from '../../server/context.ts';
import { mistralChatRequestSchema } from './chat.schemas.ts';

/** Mistral's default when a request gives none (its docs recommend 0.0–0.7). */
const DEFAULT_TEMPERATURE = 0.7;

/** POST /mistral/v1/chat/completions: ChatCompletionResponse, or CompletionChunk events. */
export function mistralChatRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/chat/completions', async (request, reply) => {
    const body = parseOrThrow(mistralChatRequestSchema, request.body);
    const n = body.n ?? 1;
    const generation = await limitTokens(ctx.limits, request, reply, () => ctx.inference.generate(request.caller, body.model, {
      messages: toChatMessages(body.messages),
      maxTokens: body.max_tokens ?? null,
      temperature: body.temperature ?? DEFAULT_TEMPERATURE,
      topP: body.top_p ?? 1,
      seed: body.random_seed ?? null,
      stop: toStopList(body.stop),
      n,
    }));
    const head = { id: randomBase62(32).toLowerCase(), created: unixSeconds(ctx.clock.nowMs()), model: body.model };
    if (body.stream) return streamGeneration(request, reply, generation, chunkFormat(head, n));
    const result = await collect(generation, reply.raw);
    return {
      ...head,
      object: 'chat.completion',
      usage: usageOf(result),
      choices: result.choices.map((c) => ({ index: c.index, message: { role: 'assistant', content: c.text, tool_calls: null }, finish_reason: c.finishReason })),
    };
  });
}

/** As Mistral streams: the finishing chunks come last, and the very last one carries `usage`. */
function chunkFormat(head: Record<string, unknown>, n: number): ChunkFormat {
  const chunk = (index: number, delta: object, finish_reason: FinishReason | null = null, extra: object = {}) =>
    ({ ...head, object: 'chat.completion.chunk', choices: [{ index, delta, finish_reason }], ...extra });
  return {
    start: () => Array.from({ length: n }, (_, i) => chunk(i, { role: 'assistant', content: '' })),
    delta: (index, text) => [chunk(index, { content: text })],
    finish: () => [],
    done: (result) => result.choices.map((c, i) => chunk(c.index, { content: '' }, c.finishReason, i === result.choices.length - 1 ? { usage: usageOf(result) } : {})),
    error: mistralErrorBody,
  };
}
