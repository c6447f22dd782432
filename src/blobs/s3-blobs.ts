import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobStore, ObjectStoreLocation } from './blob-store.ts';
import type { DiskReserve } from './disk-space.ts';
import { checkBucket, objectKey } from './s3-location.ts';

/** Parts of a multipart upload: S3's minimum is 5 MiB; bigger parts mean fewer requests for model-sized files. */
export const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

/** Streams a local file to `key`, multipart above one part; a failed multipart upload is aborted, so no object and no parts are left. */
export async function uploadFile(client: S3Client, bucket: string, key: string, path: string): Promise<void> {
  await new Upload({ client, params: { Bucket: bucket, Key: key, Body: createReadStream(path) }, partSize: PART_BYTES, queueSize: PARTS_IN_FLIGHT, leavePartsOnError: false }).done();
}

/**
 * Files in an S3-compatible bucket, as objects `<prefix>/files/<key>`. Uploads
 * are still received into the data directory's staging folder (they are checked
 * before they are stored), then streamed to the bucket; nothing of a file stays
 * on local disk except copies a trainer needed (`files/<key>`, see
 * FilesService.localCopy), which a delete removes with the object.
 */
export class S3Blobs implements BlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly location: ObjectStoreLocation,
    private readonly staging: string,
    /** The data directory's `files/` folder, where local copies are kept. */
    private readonly localCopies: string,
    private readonly reserve: DiskReserve,
  ) {}

  async init(): Promise<void> {
    await checkBucket(this.client, this.location);
    await rm(this.staging, { recursive: true, force: true }); // leftovers of an interrupted upload
    await mkdir(this.staging, { recursive: true });
    await this.reserve.hold(); // the database may still live on this disk
  }

  private key(key: string): string {
    return objectKey(this.location, `files/${key}`);
  }

  stagingPath(name: string): string {
    return join(this.staging, name);
  }

  async commit(stagedPath: string, key: string): Promise<void> {
    await uploadFile(this.client, this.location.bucket, this.key(key), stagedPath);
  }

  async put(key: string, content: Buffer | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), Body: content }));
  }

  async read(key: string): Promise<Readable> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
    return res.Body as Readable; // Node's runtime gives an IncomingMessage
  }

  async size(key: string): Promise<number> {
    const res = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
    return res.ContentLength ?? 0;
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
    await rm(join(this.localCopies, key), { force: true });
  }

  freeingSpace<T>(write: () => Promise<T>): Promise<T> {
    return this.reserve.withRoom(write);
  }
}
