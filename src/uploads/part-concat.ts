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
  async function* joined() {
    for (const key of blobKeys) {
      for await (const chunk of await blobs.read(key)) {
        const bytesIn = chunk as Buffer;
        bytes += bytesIn.length;
        md5.update(bytesIn);
        sha256.update(bytesIn);
        yield bytesIn;
      }
    }
  }
  try {
    // pipeline waits for the file to drain and ends it; an error on either side rejects.
    await pipeline(joined, createWriteStream(path));
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return { path, bytes, md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}
