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

/** Classifier inputs and outputs, as the Mistral classification routes use them. */
export type ClassifyInput = { text: string } | { messages: ChatMessage[] };
export type ClassifyOutput = Record<string, Record<string, number>>;
