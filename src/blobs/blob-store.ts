import type { Readable } from 'node:stream';

/**
 * An S3-compatible bucket and key prefix (SELFTUNE_BLOB_URL=s3://bucket/prefix),
 * reached with the standard AWS environment (AWS_ENDPOINT_URL, AWS_REGION,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
 */
export interface ObjectStoreLocation {
  bucket: string;
  /** Key prefix without a trailing slash ('' for the bucket's root). */
  prefix: string;
  endpointUrl: string | null;
  region: string | null;
}

/**
 * Where uploaded and result files are kept: the data directory's disk by
 * default (blobs/disk-blobs.ts), or object storage (blobs/s3-blobs.ts). A blob
 * is whole or absent: uploads are staged on local disk and committed in one
 * step, so a rejected or interrupted upload leaves nothing in the store.
 * A file's blob key `k` is the data-directory path `files/k` on disk and the
 * object `<prefix>/files/k` in a bucket (the same layout DataMirror uses).
 */
export interface BlobStore {
  init(): Promise<void>;
  /** A path in the local staging folder for an upload being received. */
  stagingPath(name: string): string;
  /** Moves (disk) or uploads (S3, multipart for large files) a staged upload into the store under `key`. */
  commit(stagedPath: string, key: string): Promise<void>;
  /** Stores content the server made itself (a job's results). */
  put(key: string, content: Buffer | string): Promise<void>;
  /** Streams a blob's bytes. */
  read(key: string): Promise<Readable>;
  size(key: string): Promise<number>;
  remove(key: string): Promise<void>;
  /** Runs a write that frees space (a delete); on a full local disk it may use the disk reserve. */
  freeingSpace<T>(write: () => Promise<T>): Promise<T>;
}

/**
 * The data directory's copy in object storage, for what more than one machine
 * needs: run artifacts (`runs/<job id>/…`: filtered inputs, checkpoints, final
 * weights), base models (`models/<id>/…`) and files (`files/<blob key>`). Paths
 * are data-directory-relative and name the same thing here and in the bucket.
 * With no object store (`location` null) every call is a no-op: the data
 * directory is the only copy.
 */
export interface DataMirror {
  readonly location: ObjectStoreLocation | null;
  /** Makes `<dataDir>/<rel>` (a file, or a folder with everything below it) present locally, downloading what is missing; false if neither has it. */
  fetch(rel: string): Promise<boolean>;
  /** Whether the store already holds `<dataDir>/<rel>` whole: every local file below it at its local size (an upload cut short does not count). */
  has(rel: string): Promise<boolean>;
  /** Uploads `<dataDir>/<rel>` (a file or a folder) to the store. */
  push(rel: string): Promise<void>;
  /** Deletes `<rel>` and everything below it from the store (the local copy is the caller's). */
  remove(rel: string): Promise<void>;
}
