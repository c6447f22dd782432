import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectStoreLocation } from './blob-store.ts';

/** The standard AWS settings an S3 client is built from (the process environment, or a record given in its place). */
export type AwsEnv = Readonly<Record<string, string | undefined>>;

/**
 * `s3://bucket/prefix` plus the AWS environment: the endpoint (AWS_ENDPOINT_URL_S3,
 * else AWS_ENDPOINT_URL; none means AWS itself) and the region.
 */
export function parseBlobUrl(blobUrl: string, env: AwsEnv): ObjectStoreLocation {
  const url = new URL(blobUrl);
  if (url.protocol !== 's3:' || !url.hostname) throw new Error(`SELFTUNE_BLOB_URL must look like s3://bucket/prefix (got '${blobUrl}')`);
  return {
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
    endpointUrl: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || null,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || null,
  };
}

/** The object key of a data-directory-relative path (`files/<key>`, `runs/<job>/…`). */
export function objectKey(location: ObjectStoreLocation, rel: string): string {
  return location.prefix ? `${location.prefix}/${rel}` : rel;
}

/**
 * An S3 client for the location. Keys come from the env record when it has
 * them, else from the SDK's default chain (profiles, instance roles). Checksums
 * only where an operation requires them: S3-compatible stores (MinIO, Ceph RGW,
 * s3rver) do not all accept the SDK's default CRC32 trailers. Path-style
 * addressing with a custom endpoint, which rarely has wildcard DNS for buckets.
 */
export function s3Client(location: ObjectStoreLocation, env: AwsEnv): S3Client {
  const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
    : undefined;
  return new S3Client({
    // A custom endpoint still signs with a region; us-east-1 is what MinIO and Ceph expect by default.
    ...(location.region ? { region: location.region } : location.endpointUrl ? { region: 'us-east-1' } : {}),
    ...(location.endpointUrl ? { endpoint: location.endpointUrl, forcePathStyle: true } : {}),
    ...(keys ? { credentials: keys } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Fails with a message naming the settings to check when the bucket cannot be reached or does not exist. */
export async function checkBucket(client: S3Client, location: ObjectStoreLocation): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: location.bucket }));
  } catch (err) {
    const where = location.endpointUrl ? `at ${location.endpointUrl} (AWS_ENDPOINT_URL)` : 'on AWS (no AWS_ENDPOINT_URL set)';
    const why = (err as Error).name === 'NotFound' ? 'it does not exist' : `${(err as Error).name}: ${(err as Error).message || 'no message'}`;
    throw new Error(`The object store of SELFTUNE_BLOB_URL is not usable: bucket '${location.bucket}' ${where} could not be reached, ${why}. Check SELFTUNE_BLOB_URL, AWS_ENDPOINT_URL and the AWS credentials.`, { cause: err });
  }
}
