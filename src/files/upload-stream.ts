import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { appError } from '../errors/app-error.ts';
import { newUuid } from '../ids/ids.ts';
import type { StagedUpload } from './files.service.ts';

/**
 * Streams one uploaded file part to the staging folder, hashing and counting as
 * it goes; never holds the file in memory. `truncated()` reports whether the
 * multipart parser cut the part at the size limit.
 */
export async function stageUpload(
  source: Readable,
  filename: string,
  stagingPath: (name: string) => string,
  limitBytes: number,
  truncated: () => boolean,
): Promise<StagedUpload> {
  const path = stagingPath(`${newUuid()}.part`);
  const hash = createHash('sha256');
  let bytes = 0;
  source.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  try {
    await pipeline(source, createWriteStream(path));
    if (truncated() || bytes > limitBytes) {
      throw appError('file_too_large', `File '${filename}' is larger than the ${limitBytes}-byte upload limit.`, 'file');
    }
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return { path, filename, bytes, sha256: hash.digest('hex') };
}
