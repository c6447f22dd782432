// OpenAI chat fine-tuning lines (also Mistral's instruct format):
// {"messages":[...], "tools"?, "parallel_tool_calls"?, "functions"?}.
// Other top-level keys are ignored, as OpenAI ignores them.
import { z } from 'zod';
import { firstProblem, problem } from './issues.ts';
import { Functions, messagesProblem, Tools, type Message } from './message.schema.ts';
import type { LineProblem } from './types.ts';

const ChatExtras = z.object({
  tools: Tools.optional(),
  parallel_tool_calls: z.boolean().optional(),
  functions: Functions.optional(),
});

/** Options shared by chat-shaped lines; `input` of a preference line uses the same keys. */
export function chatExtrasProblem(obj: Record<string, unknown>, at: ReadonlyArray<PropertyKey> = []): LineProblem | null {
  return firstProblem(ChatExtras, obj, at);
}

/** A supervised chat example: valid messages plus something to train on. */
export function chatProblem(obj: Record<string, unknown>): LineProblem | null {
  const bad = messagesProblem(obj['messages'], ['messages']) ?? chatExtrasProblem(obj);
  if (bad) return bad;
  const assistants = (obj['messages'] as Message[]).filter((m) => m.role === 'assistant');
  if (assistants.length === 0) return problem('example_missing_assistant_message', [], 'example has no assistant message');
  // weight 0 excludes a turn from the loss; if all are excluded the example trains nothing.
  if (assistants.every((m) => m.weight === 0)) {
    return problem('no_trainable_messages', [], 'every assistant message has weight 0, so there is nothing to train on');
  }
  return null;
}
