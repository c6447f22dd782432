import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { randomBase62 } from '../ids/ids.ts';
import type { DataMirror, ObjectStoreLocation } from './blob-store.ts';
import { checkedRel } from './mirror-paths.ts';
import { uploadFile } from './s3-blobs.ts';
import { objectKey } from './s3-location.ts';

/** Transfers run a few at a time: enough to fill a link, few enough not to exhaust sockets. */
const TRANSFERS_IN_FLIGHT = 4;
/** DeleteObjects takes at most 1000 keys a request. */
const DELETE_BATCH = 1000;

/** Runs `work` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

async function sizeOf(path: string): Promise<number | null> {
  return stat(path).then((s) => (s.isFile() ? s.size : null), () => null);
}

/** Every file below a local path (the path itself when it is a file), as paths relative to `root`. */
async function localFiles(root: string, rel: string): Promise<string[]> {
  const info = await stat(join(root, rel)).catch(() => null);
  if (!info) return [];
  if (info.isFile()) return [rel];
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() || e.isFile() ? localFiles(root, `${rel}/${e.name}`) : [])));
  return nested.flat();
}

/**
 * The data directory mirrored in a bucket: `<dataDir>/<rel>` is the object
 * `<prefix>/<rel>`, or every object below `<prefix>/<rel>/` for a folder.
 */
export class S3DataMirror implements DataMirror {
  constructor(
    private readonly client: S3Client,
    readonly location: ObjectStoreLocation,
    private readonly dataDir: string,
  ) {}

  /** The objects at `rel` (the object itself, or those below it as a folder), with their sizes. */
  private async list(rel: string): Promise<{ rel: string; size: number }[]> {
    const key = objectKey(this.location, rel);
    const base = objectKey(this.location, '');
    const out: { rel: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: key, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        // A prefix also matches siblings (`runs/a` matches `runs/ab`): keep the object itself and what is below it.
        if (o.Key === key || o.Key?.startsWith(`${key}/`)) out.push({ rel: o.Key.slice(base.length), size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async fetch(rel: string): Promise<boolean> {
    rel = checkedRel(rel);
    const objects = await this.list(rel);
    const missing: typeof objects = [];
    for (const o of objects) if ((await sizeOf(join(this.dataDir, o.rel))) !== o.size) missing.push(o);
    await eachLimited(missing, TRANSFERS_IN_FLIGHT, (o) => this.download(o.rel));
    return objects.length > 0 || (await stat(join(this.dataDir, rel)).then(() => true, () => false));
  }

  /** Downloads to a temporary name beside the target, then renames: a reader never sees half a file. */
  private async download(rel: string): Promise<void> {
    const target = join(this.dataDir, rel);
    const temp = `${target}.${randomBase62(8)}.part`;
    await mkdir(dirname(target), { recursive: true });
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: objectKey(this.location, rel) }));
      await pipeline(res.Body as Readable, createWriteStream(temp));
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async has(rel: string): Promise<boolean> {
    rel = checkedRel(rel);
    const [files, objects] = await Promise.all([localFiles(this.dataDir, rel), this.list(rel)]);
    if (!files.length) return false;
    const stored = new Map(objects.map((o) => [o.rel, o.size]));
    for (const f of files) if (stored.get(f) !== (await sizeOf(join(this.dataDir, f)))) return false;
    return true;
  }

  async push(rel: string): Promise<void> {
    rel = checkedRel(rel);
    const files = await localFiles(this.dataDir, rel);
    if (!files.length) throw new Error(`Nothing to upload at ${rel}: it is not in the data directory.`);
    await eachLimited(files, TRANSFERS_IN_FLIGHT, (f) => uploadFile(this.client, this.location.bucket, objectKey(this.location, f), join(this.dataDir, f)));
  }

  async remove(rel: string): Promise<void> {
    rel = checkedRel(rel);
    const keys = (await this.list(rel)).map((o) => objectKey(this.location, o.rel));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      if (res.Errors?.length) throw new Error(`Could not delete ${res.Errors.length} object(s) below ${rel}: ${res.Errors[0]!.Key}: ${res.Errors[0]!.Message}`);
    }
  }
}
