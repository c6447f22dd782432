import { z } from 'zod';
import type { ChatMessage } from './generation.ts';

// Request pieces both dialects share: messages whose content is a string or a
// list of text parts, and `stop` as one string or a list.

const textPart = z.looseObject({ type: z.string(), text: z.string().optional() });

export const chatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(textPart), z.null()]).optional(),
});

export const stopSchema = z.union([z.string(), z.array(z.string()).max(16)]).nullish();

/** Text parts joined (images and other parts carry nothing a text model can use); `developer` is OpenAI's newer `system`. */
export function toChatMessages(messages: Array<z.infer<typeof chatMessageSchema>>): ChatMessage[] {
  return messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join(''),
  }));
}

export const toStopList = (stop: z.infer<typeof stopSchema>): string[] => (stop == null ? [] : typeof stop === 'string' ? [stop] : stop);
