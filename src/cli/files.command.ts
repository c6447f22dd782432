import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import OpenAI, { toFile } from 'openai';
import type { CliContext } from './cli-context.ts';
import { formatTime, printObject, printRows } from './output.ts';
import { uploadInParts } from './upload-in-parts.ts';

/** The server's single-request limit as far as the CLI knows (SELFTUNE_MAX_UPLOAD_BYTES, else the default); a server that says less gets parts too. */
const singleRequestLimit = () => Number(process.env.SELFTUNE_MAX_UPLOAD_BYTES) || 512 * 1024 * 1024;

const tooLarge = (err: unknown) => err instanceof OpenAI.APIError && err.status === 413;

/** One request when the file fits the single-request limit; the Uploads API (parts, with progress) when it does not or the server refuses it as too large. */
export async function uploadFile(ctx: CliContext, path: string, purpose: 'fine-tune' | 'batch' = 'fine-tune') {
  if ((await stat(path)).size > singleRequestLimit()) return uploadInParts(ctx, path, purpose);
  try {
    return await ctx.client.files.create({ file: await toFile(createReadStream(path), basename(path)), purpose });
  } catch (err) {
    if (!tooLarge(err)) throw err;
    return uploadInParts(ctx, path, purpose);
  }
}

export async function filesCommand(ctx: CliContext, action: string | undefined, args: string[], flags: { purpose?: string | undefined; limit?: string | undefined }) {
  switch (action) {
    case 'upload': {
      const file = await uploadFile(ctx, required(args[0], 'PATH'), (flags.purpose as 'fine-tune') ?? 'fine-tune');
      return printObject(ctx, { ...file });
    }
    case 'list': {
      const page = await ctx.client.files.list({ purpose: flags.purpose, limit: flags.limit ? Number(flags.limit) : 100 });
      return printRows(ctx, page.data, [
        ['ID', (f) => f.id],
        ['FILENAME', (f) => f.filename],
        ['PURPOSE', (f) => f.purpose],
        ['BYTES', (f) => f.bytes],
        ['CREATED', (f) => formatTime(f.created_at)],
      ]);
    }
    case 'get':
      return printObject(ctx, { ...(await ctx.client.files.retrieve(required(args[0], 'FILE_ID'))) });
    case 'delete':
      return printObject(ctx, { ...(await ctx.client.files.delete(required(args[0], 'FILE_ID'))) });
    default:
      throw new UsageError('selftune files upload PATH [--purpose P] | list [--purpose P] | get ID | delete ID');
  }
}

export class UsageError extends Error {}

export function required(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`missing ${name}`);
  return value;
}
