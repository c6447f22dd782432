import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
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
  // One writer for every part (a pipeline per part would pile its listeners on it); its error is kept and thrown at the next chunk.
  let failure: Error | null = null;
  out.on('error', (err) => (failure = err));
  try {
    for (const key of blobKeys) {
      for await (const chunk of await blobs.read(key)) {
        if (failure) throw failure;
        const bytesIn = chunk as Buffer;
        bytes += bytesIn.length;
        md5.update(bytesIn);
        sha256.update(bytesIn);
        if (!out.write(bytesIn)) await once(out, 'drain');
      }
    }
    out.end();
    await finished(out);
  } catch (err) {
    out.destroy();
    await rm(path, { force: true });
    throw err;
  }
  return { path, bytes, md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}
