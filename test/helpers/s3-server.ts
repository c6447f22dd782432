import { rm } from 'node:fs/promises';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { ObjectStoreLocation } from '../../src/blobs/blob-store.ts';
import { parseBlobUrl, s3Client } from '../../src/blobs/s3-location.ts';
import { randomBase62 } from '../../src/ids/ids.ts';
import { tempDir } from './server.ts';

// A real S3-speaking server for the object-storage tests: s3rver, file-backed,
// started in this process on a free port (docs/decisions/006-object-storage.md).

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** The standard AWS environment that points an S3 client (AWS SDK, boto3) at this server. */
  env: Record<string, string>;
  /** SELFTUNE_BLOB_URL for a fresh prefix of this bucket. */
  blobUrl(): string;
  /** A blob URL's prefix as the server reaches it: its location, a client, and the keys stored below it. */
  objectsAt(blobUrl: string): TestBucket;
  close(): Promise<void>;
}

export interface TestBucket {
  location: ObjectStoreLocation;
  client: S3Client;
  /** Every key below the prefix (and `under` it), relative to the prefix, sorted. */
  keys(under?: string): Promise<string[]>;
}

function bucketAt(blobUrl: string, env: Record<string, string>): TestBucket {
  const location = parseBlobUrl(blobUrl, env);
  const client = s3Client(location, env);
  const keys = async (under = '') => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.prefix}/${under}`, ContinuationToken: token }));
      found.push(...(page.Contents ?? []).map((o) => o.Key!.slice(location.prefix.length + 1)));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort();
  };
  return { location, client, keys };
}

export async function startS3Server(): Promise<TestS3> {
  const directory = await tempDir('s3');
  const bucket = `selftune-test-${randomBase62(8).toLowerCase()}`;
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts these fixed credentials.
  const env = { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  return {
    endpoint,
    bucket,
    env,
    blobUrl: () => `s3://${bucket}/${randomBase62(8).toLowerCase()}`,
    objectsAt: (blobUrl) => bucketAt(blobUrl, env),
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
