import type { FastifyInstance } from 'fastify';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { toChatMessages, toStopList } from '../../inference/chat-request.ts';
import { type ChunkFormat, collect, streamGeneration } from '../../server/http/chat-stream.ts';
import { openAiErrorBody } from './errors.ts';
import { usageOf } from '../../inference/generation.ts';
import { randomBase62 } from '../../ids/ids.ts';
import { unixSeconds } from '../../ids/clock.ts';
import { limitTokens } from '../../limits/limits.http.ts';
import type { AppContext } from '../../server/context.ts';
import { type ChatCompletionRequest, chatCompletionRequestSchema } from './chat.schemas.ts';

/** POST /v1/chat/completions: CreateChatCompletionResponse, or chat.completion.chunk events. */
export function openAiChatRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/chat/completions', async (request, reply) => {
    const body = parseOrThrow(chatCompletionRequestSchema, request.body);
    const generation = await limitTokens(ctx.limits, request, reply, () => ctx.inference.generate(request.caller, body.model, {
      messages: toChatMessages(body.messages),
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      seed: body.seed ?? null,
      stop: toStopList(body.stop),
      n: body.n ?? 1,
    }));
    const head = { id: `chatcmpl-${randomBase62(24)}`, created: unixSeconds(ctx.clock.nowMs()), model: body.model, system_fingerprint: null };
    if (body.stream) return streamGeneration(request, reply, generation, chunkFormat(head, body));
    const result = await collect(generation, reply.raw);
    return {
      ...head,
      object: 'chat.completion',
      choices: result.choices.map((c) => ({
        index: c.index,
        message: { role: 'assistant', content: c.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: c.finishReason,
      })),
      usage: usageOf(result),
    };
  });
}

function chunkFormat(head: Record<string, unknown>, body: ChatCompletionRequest): ChunkFormat {
  // With include_usage every chunk carries `usage: null` and a last chunk with no choices carries the counts.
  const withUsage = body.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], extra: object = {}) => ({ ...head, object: 'chat.completion.chunk', choices, ...(withUsage ? { usage: null } : {}), ...extra });
  const choice = (index: number, delta: object, finish_reason: string | null = null) => ({ index, delta, logprobs: null, finish_reason });
  return {
    start: () => Array.from({ length: body.n ?? 1 }, (_, i) => chunk([choice(i, { role: 'assistant', content: '', refusal: null })])),
    delta: (index, text) => [chunk([choice(index, { content: text })])],
    finish: (index, reason) => [chunk([choice(index, {}, reason)])],
    done: (result) => (withUsage ? [chunk([], { usage: usageOf(result) })] : []),
    error: openAiErrorBody,
  };
}
