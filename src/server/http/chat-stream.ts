import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../errors/app-error.ts';
import { toAppError } from '../framework-errors.ts';
import type { FinishReason, Generation, GenerationResult } from '../../inference/generation.ts';
import { openSse } from './sse.ts';

/** How one dialect shapes its stream chunks; each hook returns the chunks to send (possibly none). */
export interface ChunkFormat {
  start(): unknown[];
  delta(index: number, text: string): unknown[];
  finish(index: number, reason: FinishReason): unknown[];
  done(result: GenerationResult): unknown[];
  error(e: AppError): unknown;
}

/** Streams a generation as server-sent events ending in `data: [DONE]`; a client that leaves cancels it. */
export async function streamGeneration(request: FastifyRequest, reply: FastifyReply, generation: Generation, format: ChunkFormat): Promise<void> {
  const sse = openSse(request, reply, () => generation.cancel());
  const send = (chunks: unknown[]) => chunks.forEach((c) => sse.send(c));
  try {
    send(format.start());
    for await (const e of generation.events) {
      if (e.type === 'delta') send(format.delta(e.index, e.text));
      else if (e.type === 'finish') send(format.finish(e.index, e.finishReason));
      else send(format.done(e.result));
    }
    sse.send('[DONE]');
  } catch (err) {
    // Headers are gone: the error travels as the last event, as the APIs do mid-stream.
    const e = toAppError(err);
    if (e.status >= 500) request.log.error({ err: (e.cause as Error) ?? e }, 'stream failed');
    sse.send(format.error(e));
  }
  sse.end();
}

/**
 * Drains a generation into its final result (the non-streamed path). If the
 * client disconnects first, the generation is cancelled so it frees its slot
 * in the worker instead of running to its token limit for nobody.
 */
export async function collect(generation: Generation, response: ServerResponse): Promise<GenerationResult> {
  const onClose = () => {
    if (!response.writableFinished) generation.cancel();
  };
  response.once('close', onClose);
  if (response.destroyed) onClose(); // the client left while the request was still being set up
  try {
    for await (const event of generation.events) if (event.type === 'done') return event.result;
    throw new Error('the generation ended without a result');
  } finally {
    response.off('close', onClose);
  }
}
