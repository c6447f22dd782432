import { z } from 'zod';
import { chatMessageSchema, stopSchema } from '../../inference/chat-request.ts';

// ChatCompletionRequest, the fields a text model uses. The rest the SDK may
// send (safe_prompt, response_format, tools, penalties, prediction…) are accepted and ignored.
export const mistralChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  temperature: z.number().min(0).max(1.5).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().min(0).nullish(),
  stream: z.boolean().nullish(),
  stop: stopSchema,
  random_seed: z.number().int().min(0).nullish(),
  n: z.number().int().min(1).max(8).nullish(),
});
