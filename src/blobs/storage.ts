import type { Config } from '../config/config.ts';
import type { DataPaths } from '../config/paths.ts';
import type { BlobStore, DataMirror } from './blob-store.ts';
import { DiskBlobs } from './disk-blobs.ts';
import { DiskReserve } from './disk-space.ts';
import { LocalDataMirror } from './local-data-mirror.ts';
import { S3Blobs } from './s3-blobs.ts';
import { S3DataMirror } from './s3-data-mirror.ts';
import { type AwsEnv, parseBlobUrl, s3Client } from './s3-location.ts';

export interface Storage {
  blobs: BlobStore;
  mirror: DataMirror;
  /** The AWS_* settings the store was reached with, for the processes we start that reach it too (trainers). */
  childEnv: Record<string, string>;
}

const awsSettings = (env: AwsEnv) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('AWS_') && e[1] !== undefined));

/** Object storage when SELFTUNE_BLOB_URL is set (AWS settings from `env`), else the data directory's disk. */
export function buildStorage(config: Config, paths: DataPaths, env: AwsEnv): Storage {
  const reserve = new DiskReserve(paths.diskReserve);
  if (!config.blobUrl) return { blobs: new DiskBlobs(paths.files, paths.uploads, reserve), mirror: new LocalDataMirror(config.dataDir), childEnv: {} };
  const location = parseBlobUrl(config.blobUrl, env);
  const client = s3Client(location, env);
  return { blobs: new S3Blobs(client, location, paths.uploads, paths.files, reserve), mirror: new S3DataMirror(client, location, config.dataDir), childEnv: awsSettings(env) };
}
