import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../blobs/blob-store.ts';
import { newUuid } from '../ids/ids.ts';

export interface ConcatenatedParts {
  path: string;
  bytes: number;
  md5: string;
  sha256: string;
}

/**
 * Streams the parts' blobs, in the order given, into one staged file, counting
 * bytes and computing md5 (what a client may check) and sha256 (what files
 * keep) on the way: one part's chunk in memory at a time, whatever the size.
 * A failure removes the staged file.
 */
export async function concatenateParts(blobs: BlobStore, blobKeys: string[]): Promise<ConcatenatedParts> {
  const path = blobs.stagingPath(`${newUuid()}.upload`);
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let bytes = 0;
  const out = createWriteStream(path);
  try {
    for (const key of blobKeys) {
      const source = await blobs.read(key);
      source.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        md5.update(chunk);
        sha256.update(chunk);
      });
      await pipeline(source, out, { end: false });
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    out.destroy();
    await rm(path, { force: true });
    throw err;
  }
  return { path, bytes, md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}
