import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DiskReserve } from '../../src/blobs/disk-space.ts';
import { PART_BYTES, S3Blobs } from '../../src/blobs/s3-blobs.ts';
import { startS3Server, type TestS3 } from '../helpers/s3-server.ts';
import { tempDir } from '../helpers/server.ts';

// The S3 blob store on its own, against a real S3 server: what the server writes
// itself, and a multipart upload that fails half-way.

let s3: TestS3;
before(async () => {
  s3 = await startS3Server();
});
after(() => s3.close());

async function blobStore() {
  const { location, client } = s3.objectsAt(s3.blobUrl());
  const dir = await tempDir('s3-blobs');
  const blobs = new S3Blobs(client, location, join(dir, 'tmp'), join(dir, 'files'), new DiskReserve(join(dir, 'disk-reserve')));
  await blobs.init();
  const exists = (key: string) => client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: `${location.prefix}/files/${key}` })).then(() => true, () => false);
  return { blobs, client, dir, exists, close: () => rm(dir, { recursive: true, force: true }) };
}

test('content the server makes itself is stored, sized, read back and removed', async () => {
  const s = await blobStore();
  try {
    await s.blobs.put('results-1', 'step,loss\n1,2.5\n');
    assert.equal(await s.blobs.size('results-1'), 16);
    assert.equal(await text(await s.blobs.read('results-1')), 'step,loss\n1,2.5\n');
    await s.blobs.remove('results-1');
    assert.equal(await s.exists('results-1'), false);
  } finally {
    await s.close();
  }
});

test('a multipart upload that fails half-way is aborted and leaves no object', async () => {
  const s = await blobStore();
  try {
    // The connection drops on the second part: the store must not end up with a truncated object.
    const sent: string[] = [];
    s.client.middlewareStack.add((next, context) => async (args) => {
      sent.push(context.commandName!);
      if (context.commandName === 'UploadPartCommand' && sent.filter((c) => c === 'UploadPartCommand').length === 2) throw new Error('socket hang up');
      return next(args);
    }, { step: 'initialize', name: 'dropSecondPart' });
    const staged = s.blobs.stagingPath('big.part');
    await writeFile(staged, randomBytes(3 * PART_BYTES));
    await assert.rejects(s.blobs.commit(staged, 'big'));
    assert.ok(sent.includes('CreateMultipartUploadCommand') && sent.includes('AbortMultipartUploadCommand'), sent.join(', '));
    assert.ok(!sent.includes('CompleteMultipartUploadCommand'));
    assert.equal(await s.exists('big'), false);
    assert.deepEqual(await readdir(join(s.dir, 'files')).catch(() => []), []);
  } finally {
    await s.close();
  }
});
