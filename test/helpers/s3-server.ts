import { rm } from 'node:fs/promises';
import S3rver from 's3rver';
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
  close(): Promise<void>;
}

export async function startS3Server(): Promise<TestS3> {
  const directory = await tempDir('s3');
  const bucket = `selftune-test-${randomBase62(8).toLowerCase()}`;
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    // s3rver accepts these fixed credentials.
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    blobUrl: () => `s3://${bucket}/${randomBase62(8).toLowerCase()}`,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
