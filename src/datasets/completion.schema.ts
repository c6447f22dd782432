// Non-chat supervised lines: legacy OpenAI prompt/completion pairs
// (babbage-002, davinci-002) and Mistral pretrain documents {"text": ...}.
// Extra keys are ignored.
import { z } from 'zod';
import { firstProblem } from './issues.ts';
import type { LineProblem } from './types.ts';

// The completion is the training target, so an empty one teaches nothing.
const PromptCompletion = z.object({ prompt: z.string(), completion: z.string().min(1) });

// Pretrain computes the loss on every token of `text`; empty text is no example.
const PretrainText = z.object({ text: z.string().min(1) });

export function promptCompletionProblem(obj: Record<string, unknown>): LineProblem | null {
  return firstProblem(PromptCompletion, obj);
}

export function textProblem(obj: Record<string, unknown>): LineProblem | null {
  return firstProblem(PretrainText, obj);
}
