// OpenAI DPO lines:
// {"input":{"messages":[...], "tools"?, "parallel_tool_calls"?},
//  "preferred_output":[{role:"assistant", content}], "non_preferred_output":[...]}
// The 2025-04 spec named the outputs preferred_completion/non_preferred_completion;
// both spellings are accepted and messages name the key the file actually used.
import { z } from 'zod';
import { chatExtrasProblem } from './chat.schema.ts';
import { firstProblem, missingKey, problem, typeName } from './issues.ts';
import { messagesProblem, type Message } from './message.schema.ts';
import type { LineProblem } from './types.ts';

const InputObject = z.object({});

const OUTPUTS = [
  ['preferred_output', 'preferred_completion'],
  ['non_preferred_output', 'non_preferred_completion'],
] as const;

export function preferenceProblem(obj: Record<string, unknown>): LineProblem | null {
  const input = firstProblem(InputObject, obj['input'], ['input']);
  if (input) return input;
  const inp = obj['input'] as Record<string, unknown>;
  // The input is the prompt: no assistant turn is required there.
  const bad = messagesProblem(inp['messages'], ['input', 'messages']) ?? chatExtrasProblem(inp, ['input']);
  if (bad) return bad;
  for (const [name, alias] of OUTPUTS) {
    const key = name in obj ? name : alias in obj ? alias : null;
    if (key === null) return missingKey('missing_key', [name]);
    const out = outputProblem(obj[key], key);
    if (out) return out;
  }
  return null;
}

/** DPO compares one final assistant turn against another: exactly one assistant message each. */
function outputProblem(value: unknown, key: string): LineProblem | null {
  if (!Array.isArray(value)) return problem('invalid_output', [key], `must be an array holding exactly one assistant message, got ${typeName(value)}`);
  if (value.length !== 1) return problem('invalid_output', [key], `must hold exactly one assistant message (got ${value.length} messages)`);
  const shape = messagesProblem(value, [key]);
  if (shape) return shape;
  const list = value as Message[];
  if (list[0]!.role !== 'assistant') return problem('invalid_output', [key, 0, 'role'], `must be an assistant message (got role '${list[0]!.role}')`);
  return null;
}
