import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseRecordId } from '../../src/ids/ids.ts';
import { startS3Server, type TestS3 } from '../helpers/s3-server.ts';
import { startServer } from '../helpers/server.ts';
import { chatJsonlOfAtLeast, cut, md5, uploadInParts } from './uploads-helpers.ts';

// The Uploads API on object storage (s3rver): each part is an object of its
// own while the upload is open; complete leaves only the file's object, cancel
// none of the parts, and nothing stays on the server's local disk.

let s3: TestS3;
before(async () => {
  s3 = await startS3Server();
});
after(() => s3.close());

test('parts are objects in the bucket until the upload ends; the completed file is one object, byte for byte', async () => {
  const blobUrl = s3.blobUrl();
  const bucket = s3.objectsAt(blobUrl);
  const t = await startServer({ blobUrl, maxUploadBytes: 64 * 1024, uploadPartBytes: 6 * 1024 * 1024 }, { awsEnv: s3.env });
  try {
    const content = chatJsonlOfAtLeast(11 * 1024 * 1024); // larger than the store's own 8 MiB multipart part
    const { upload, partIds } = await uploadInParts(t.client, content, cut(content, 5 * 1024 * 1024));
    assert.equal((await bucket.keys('files/upload-parts/')).length, partIds.length);

    const done = await t.client.uploads.complete(upload.id, { part_ids: partIds, md5: md5(content) });
    assert.equal(done.file?.status, 'processed');
    assert.deepEqual(await bucket.keys(), [`files/${parseRecordId('file', done.file!.id)}`]);
    const downloaded = Buffer.from(await (await t.client.files.content(done.file!.id)).arrayBuffer());
    assert.ok(downloaded.equals(content));

    const small = chatJsonlOfAtLeast(10_000);
    const cancelled = await uploadInParts(t.client, small, cut(small, 4000));
    assert.equal((await bucket.keys('files/upload-parts/')).length, cancelled.partIds.length);
    await t.client.uploads.cancel(cancelled.upload.id);
    assert.deepEqual(await bucket.keys('files/upload-parts/'), []);
    const local = await readdir(join(t.dataDir, 'files'), { recursive: true }).catch(() => []);
    assert.deepEqual(local, [], 'nothing of the parts or the file on local disk');
    assert.deepEqual(await readdir(join(t.dataDir, 'tmp')), []);
  } finally {
    await t.close();
  }
});
