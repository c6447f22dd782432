import { mkdir, readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-fs';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-context.ts';

/**
 * `models export MODEL --out DIR [--merged]`: downloads the model as a tar of a
 * standalone Hugging Face folder (the server may be remote) and unpacks it into DIR.
 */
export async function exportModel(ctx: CliContext, model: string, out: string, merged: boolean) {
  await mkdir(out, { recursive: true });
  if ((await readdir(out)).length) throw new CliError(`${out} is not empty; export into a new or empty folder`);
  const url = `${ctx.baseUrl}/v1/model_exports/${encodeURIComponent(model)}${merged ? '?merged=true' : ''}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${ctx.apiKey}` } }).catch((err: Error) => {
    throw new CliError(`cannot reach the selftune server at ${ctx.baseUrl} (${err.message}); is it running?`);
  });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new CliError(`${res.status} ${body?.error?.message ?? res.statusText}`);
  }
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), extract(out));
  const files = await readdir(out);
  ctx.err.write(`exported ${model}${merged ? ' (merged)' : ''} to ${out}: ${files.join(', ')}\n`);
}
