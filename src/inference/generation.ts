import type { ServerResponse } from 'node:http';

// What a chat request asks the model for, and what comes back, independent of
// dialect: the OpenAI and Mistral routes both map into and out of these.

export interface ChatMessage {
  role: string;
  content: string;
}

export interface GenerationParams {
  messages: ChatMessage[];
  /** Most new tokens per choice; null means up to the model's context length. */
  maxTokens: number | null;
  temperature: number;
  topP: number;
  seed: number | null;
  stop: string[];
  n: number;
}

export type FinishReason = 'stop' | 'length';

export interface ChoiceResult {
  index: number;
  text: string;
  finishReason: FinishReason;
}

export interface GenerationResult {
  promptTokens: number;
  completionTokens: number;
  choices: ChoiceResult[];
}

/** The `usage` object both dialects send (same field names). */
export const usageOf = (r: GenerationResult) => ({ prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens });

/** A streamed generation: text deltas per choice, then the whole result once. */
export type GenerationEvent =
  | { type: 'delta'; index: number; text: string }
  | { type: 'finish'; index: number; finishReason: FinishReason }
  | { type: 'done'; result: GenerationResult };

export interface Generation {
  events: AsyncIterable<GenerationEvent>;
  /** Stops generating (the client went away); the events end without a result. */
  cancel(): void;
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

/** Classifier inputs and outputs, as the Mistral classification routes use them. */
export type ClassifyInput = { text: string } | { messages: ChatMessage[] };
export type ClassifyOutput = Record<string, Record<string, number>>;
