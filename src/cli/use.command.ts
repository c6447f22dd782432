import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-context.ts';
import { required } from './files.command.ts';

/** `selftune chat MODEL PROMPT [--system S]`: one completion from any model, fine-tuned or base. */
export async function chatCommand(ctx: CliContext, args: string[], flags: { system?: string | undefined; 'max-tokens'?: string | undefined }) {
  const model = required(args[0], 'MODEL');
  const prompt = required(args[1], 'PROMPT');
  const completion = await ctx.client.chat.completions.create({
    model,
    messages: [...(flags.system ? [{ role: 'system' as const, content: flags.system }] : []), { role: 'user', content: prompt }],
    temperature: 0,
    max_tokens: flags['max-tokens'] ? Number(flags['max-tokens']) : 128,
  });
  if (ctx.json) return void ctx.out.write(`${JSON.stringify(completion, null, 2)}\n`);
  ctx.out.write(`${completion.choices[0]?.message.content ?? ''}\n`);
}

interface Classification {
  results: Array<Record<string, { scores: Record<string, number> }>>;
}

/** `selftune classify MODEL TEXT`: every label's score for every target of a classifier model (Mistral's API). */
export async function classifyCommand(ctx: CliContext, args: string[]) {
  const model = required(args[0], 'MODEL');
  const text = required(args[1], 'TEXT');
  const res = await fetch(`${ctx.baseUrl}/mistral/v1/classifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.apiKey}` },
    body: JSON.stringify({ model, input: [text] }),
  });
  const body = (await res.json()) as Classification & { message?: string; detail?: unknown };
  if (!res.ok) throw new CliError(`${res.status}: ${body.message ?? JSON.stringify(body.detail ?? body)}`);
  if (ctx.json) return void ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
  for (const [target, { scores }] of Object.entries(body.results[0] ?? {})) {
    const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1]);
    ctx.out.write(`${target}: ${ranked.map(([label, score]) => `${label} ${score.toFixed(3)}`).join(', ')}\n`);
  }
}
