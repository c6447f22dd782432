import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { toFile } from 'openai';
import type { FileObject } from 'openai/resources/files';
import type { CliContext } from './cli-context.ts';

/** OpenAI's part limit; a server with a smaller SELFTUNE_UPLOAD_PART_BYTES is told by that setting in the CLI's environment. */
const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
/** Parts in flight at once: each is read into memory whole (the SDK sends a Blob), so this bounds the CLI's memory. */
const PARTS_IN_FLIGHT = 4;

export const partBytesSetting = () => Number(process.env.SELFTUNE_UPLOAD_PART_BYTES) || DEFAULT_PART_BYTES;

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readPart(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Progress on stderr: one line redrawn in place on a terminal, a line per part otherwise. */
function progress(ctx: CliContext, total: number, parts: number) {
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  let sent = 0;
  let done = 0;
  return (bytes: number) => {
    sent += bytes;
    done += 1;
    const line = `uploaded ${mib(sent)}/${mib(total)} MiB (${done}/${parts} parts)`;
    ctx.err.write(ctx.err.isTTY ? `\r${line}${done === parts ? '\n' : ''}` : `${line}\n`);
  };
}

/**
 * Uploads a file through the Uploads API: parts of `partBytes` sent
 * `PARTS_IN_FLIGHT` at a time, then completed in file order with the file's
 * md5, so the server checks it got exactly these bytes. A failure cancels the upload.
 */
export async function uploadInParts(ctx: CliContext, path: string, purpose: 'fine-tune' | 'batch', partBytes = partBytesSetting()): Promise<FileObject> {
  const { size } = await stat(path);
  const md5 = await md5Of(path);
  const upload = await ctx.client.uploads.create({ bytes: size, filename: basename(path), mime_type: purpose === 'fine-tune' ? 'text/jsonl' : 'application/octet-stream', purpose });
  const count = Math.ceil(size / partBytes);
  const partIds = new Array<string>(count);
  const tick = progress(ctx, size, count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const data = await readPart(path, i * partBytes, Math.min(partBytes, size - i * partBytes));
      partIds[i] = (await ctx.client.uploads.parts.create(upload.id, { data: await toFile(data, `${basename(path)}.part${i}`) })).id;
      tick(data.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, count) }, worker));
    const done = await ctx.client.uploads.complete(upload.id, { part_ids: partIds, md5 });
    if (!done.file) throw new Error(`upload ${upload.id} completed without a file`);
    return done.file;
  } catch (err) {
    await ctx.client.uploads.cancel(upload.id).catch(() => undefined); // a completed or expired upload has nothing left to cancel
    throw err;
  }
}
