// One chat message, shared by chat, preference and classifier-chat lines.
// zod checks the shape (types, known keys); `messageProblem` then checks the
// rules that depend on the role, which read more clearly as plain code.
import { z } from 'zod';
import { firstProblem, missingKey, problem } from './issues.ts';
import type { LineProblem } from './types.ts';

// `function` is OpenAI's deprecated role; still accepted, no longer advertised.
export const ROLES = ['system', 'user', 'assistant', 'tool', 'function'] as const;

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const ImagePart = z.object({
  type: z.literal('image_url'),
  // OpenAI: {url, detail?}; Mistral (pixtral): a bare URL string.
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.enum(['low', 'high', 'auto']).optional() })]),
});
const ContentPart = z.discriminatedUnion('type', [TextPart, ImagePart]);

const Call = z.object({ name: z.string(), arguments: z.string() });
const ToolCall = z.object({ id: z.string(), type: z.literal('function'), function: Call });

export const Message = z.strictObject({
  role: z.enum(ROLES),
  content: z.union([z.string(), z.array(ContentPart)]).nullable().optional(),
  name: z.string().optional(),
  weight: z.number().optional(),
  tool_calls: z.array(ToolCall).optional(),
  function_call: Call.optional(),
  tool_call_id: z.string().optional(),
});
export type Message = z.infer<typeof Message>;

export const Tools = z.array(
  z.object({
    type: z.literal('function'),
    function: z.object({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }),
  }),
);
export const Functions = z
  .array(z.object({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }))
  .min(1)
  .max(128);

type Path = ReadonlyArray<PropertyKey>;

const MessageList = z.array(Message).min(1);

/** Checks a list of messages at `at` (e.g. ['messages']); returns the first problem. */
export function messagesProblem(value: unknown, at: Path): LineProblem | null {
  const shape = firstProblem(MessageList, value, at);
  if (shape) return shape;
  const list = value as Message[];
  for (let i = 0; i < list.length; i++) {
    const p = messageProblem(list[i]!, [...at, i]);
    if (p) return p;
  }
  return null;
}

/** Role-dependent rules for one message that already has the right shape. */
export function messageProblem(m: Message, at: Path): LineProblem | null {
  const assistant = m.role === 'assistant';
  const calls = m.tool_calls !== undefined || m.function_call !== undefined;
  if (!assistant && m.tool_calls !== undefined) return problem('invalid_value', [...at, 'tool_calls'], 'only assistant messages may have tool_calls');
  if (!assistant && m.function_call !== undefined) return problem('invalid_value', [...at, 'function_call'], 'only assistant messages may have function_call');
  if (m.weight !== undefined) {
    if (!assistant) return problem('invalid_weight', [...at, 'weight'], 'weight is only allowed on assistant messages');
    if (m.weight !== 0 && m.weight !== 1) return problem('invalid_weight', [...at, 'weight'], `weight must be 0 or 1, got ${m.weight}`);
  }
  if (m.role === 'tool' && m.tool_call_id === undefined) return missingKey('message_missing_key', [...at, 'tool_call_id']);
  if (m.role === 'function' && m.name === undefined) return missingKey('message_missing_key', [...at, 'name']);
  if (assistant && Array.isArray(m.content)) {
    const img = m.content.findIndex((p) => p.type === 'image_url');
    if (img >= 0) return problem('invalid_value', [...at, 'content', img], 'image_url parts are not allowed in assistant messages');
  }
  // An assistant turn that only calls a tool carries no text, so content may be absent.
  if (assistant && calls) return null;
  if (m.content === undefined) return missingKey('message_missing_key', [...at, 'content']);
  if (m.content === null) return problem('missing_content', [...at, 'content'], 'content is null');
  if (m.content.length === 0) return problem('missing_content', [...at, 'content'], 'content is empty');
  return null;
}
