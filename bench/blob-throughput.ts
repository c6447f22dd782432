// Upload and download throughput of one large file through the server's HTTP
// API (the official openai SDK up, a streamed fetch down), with files on the
// data directory's disk and in an S3 server (s3rver, started in this process as
// the tests do); the same file straight to s3rver with the SDK (what the server
// adds); and how long s3rver takes to start.
//
//   node --import tsx bench/blob-throughput.ts [megabytes=200] [runs=3]
import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { uploadFile } from '../src/blobs/s3-blobs.ts';
import { objectKey, parseBlobUrl, s3Client } from '../src/blobs/s3-location.ts';
import { startS3Server, type TestS3 } from '../test/helpers/s3-server.ts';
import { startServer, tempDir, type TestServer } from '../test/helpers/server.ts';

const megabytes = Number(process.argv[2] ?? 200);
const runs = Number(process.argv[3] ?? 3);
const bytes = megabytes * 1024 * 1024;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (ms: number) => Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 10) / 10;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Reads the body to its end without keeping it, checking the length. */
async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  if (n !== bytes) throw new Error(`downloaded ${n} bytes, expected ${bytes}`);
}

async function measure(t: TestServer, path: string) {
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < runs; i++) {
    let id = '';
    up.push(await timed(async () => {
      id = (await t.client.files.create({ file: createReadStream(path), purpose: 'batch' })).id;
    }));
    down.push(await timed(async () => drain((await fetch(`${t.url}/v1/files/${id}/content`, { headers: { authorization: 'Bearer bench' } })).body!)));
    await t.client.files.delete(id);
  }
  return { upload_MBps: mbps(median(up)), download_MBps: mbps(median(down)), upload_s: median(up) / 1000, download_s: median(down) / 1000 };
}

/** The SDK alone against s3rver: the same multipart upload the server does, and a streamed GetObject. */
async function direct(s3: TestS3, path: string) {
  const location = parseBlobUrl(s3.blobUrl(), s3.env);
  const client = s3Client(location, s3.env);
  const key = objectKey(location, 'bench.bin');
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < runs; i++) {
    up.push(await timed(() => uploadFile(client, location.bucket, key, path)));
    down.push(await timed(async () => {
      const res = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
      await drain(res.Body as Readable);
    }));
  }
  return { upload_MBps: mbps(median(up)), download_MBps: mbps(median(down)) };
}

const dir = await tempDir('blob-bench');
const path = join(dir, 'big.bin');
await writeFile(path, randomBytes(bytes));

const disk = await startServer();
const onDisk = await measure(disk, path);
await disk.close();

const starts: number[] = [];
for (let i = 0; i < 5; i++) {
  let s: Awaited<ReturnType<typeof startS3Server>> | undefined;
  starts.push(await timed(async () => (s = await startS3Server())));
  await s!.close();
}
const s3 = await startS3Server();
const objects = await startServer({ blobUrl: s3.blobUrl() }, { awsEnv: s3.env });
const onS3 = await measure(objects, path);
await objects.close();
const sdkOnly = await direct(s3, path);
await s3.close();
await rm(dir, { recursive: true, force: true });

console.log(JSON.stringify({ megabytes, runs, disk: onDisk, s3rver: onS3, s3rver_sdk_only: sdkOnly, s3rver_start_ms: starts.map((ms) => Math.round(ms * 10) / 10) }, null, 2));
