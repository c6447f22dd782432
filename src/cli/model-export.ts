import { mkdir, readdir } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
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
  const url = new URL(`${ctx.baseUrl}/v1/model_exports/${encodeURIComponent(model)}${merged ? '?merged=true' : ''}`);
  const res = await download(url, ctx.apiKey).catch((err: Error) => {
    throw new CliError(`cannot reach the selftune server at ${ctx.baseUrl} (${err.message}); is it running?`);
  });
  if (res.statusCode !== 200) {
    let text = '';
    for await (const chunk of res) text += String(chunk);
    const message = (() => {
      try {
        return (JSON.parse(text) as { error?: { message?: string } }).error?.message;
      } catch {
        return undefined;
      }
    })();
    throw new CliError(`${res.statusCode} ${message ?? (text || res.statusMessage)}`);
  }
  await pipeline(res, extract(out));
  const files = await readdir(out);
  ctx.err.write(`exported ${model}${merged ? ' (merged)' : ''} to ${out}: ${files.join(', ')}\n`);
}

// node:http rather than fetch: a merge may take the server minutes before the
// first byte, longer than fetch waits for response headers.
function download(url: URL, apiKey: string): Promise<IncomingMessage> {
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => get(url, { headers: { authorization: `Bearer ${apiKey}` } }, resolve).on('error', reject));
}
