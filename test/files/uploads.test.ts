import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { parseRecordId } from '../../src/ids/ids.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/backends.ts';
import { waitForJob } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createTenant, DEFAULT_TENANT, type TestTenant } from '../helpers/tenants.ts';
import { SHORT_WAIT_MS, waitUntil } from '../helpers/wait.ts';
import { openRaw, uploadHead, within } from '../edge/slow-socket.ts';
import { chatJsonlOfAtLeast, cut, md5, partBlobs, refusal, uploadInParts } from './uploads-helpers.ts';

// OpenAI's Uploads API through the official SDK, on each database: a chat
// file larger than the single-request limit goes up in parts (each above that
// limit, below the part limit), sent in parallel; the complete's part_ids set
// the order. The file is stored like any upload and trains. Refusals leave the
// upload pending and nothing in /v1/files; ended uploads leave no part behind.

const SINGLE_REQUEST_LIMIT = 64 * 1024;
const PART_LIMIT = 80 * 1024;
const PART_BYTES = 72 * 1024; // above the single-request limit: only the Uploads API takes it
const STORAGE_QUOTA = 16 * 1024 * 1024;

for (const backend of BACKENDS) {
  describe(`uploads in parts (${backend})`, () => {
    let db: TestStore;
    let t: TestServer;
    let a: TestTenant;
    let b: TestTenant;
    before(async () => {
      db = await openTestStore(backend);
      await db.store.close(); // the server opens its own connection
      t = await startServer({ databaseUrl: db.url ?? undefined, maxUploadBytes: SINGLE_REQUEST_LIMIT, uploadPartBytes: PART_LIMIT, projectStorageBytes: STORAGE_QUOTA });
      a = await createTenant(t);
      b = await createTenant(t);
    });
    after(async () => {
      await t.close();
      await db.drop();
    });

    test('a file above the single-request limit goes up in parallel parts, is completed in part_ids order with its md5, and is a processed file', async () => {
      const content = chatJsonlOfAtLeast(4 * PART_BYTES - 1000);
      await assert.rejects(a.client.files.create({ file: await toFile(content, 'big.jsonl'), purpose: 'fine-tune' }), OpenAI.APIError, 'too large for one request');
      const { upload, partIds, arrival } = await uploadInParts(a.client, content, cut(content, PART_BYTES));
      assert.equal(upload.status, 'pending');
      assert.equal(upload.file, null);
      assert.match(upload.id, /^upload_/);
      assert.equal(upload.expires_at - upload.created_at, 3600);
      assert.notDeepEqual(arrival, partIds, 'parts arrived in another order than the file\'s');
      assert.equal((await partBlobs(t.dataDir)).length, partIds.length);

      const done = await a.client.uploads.complete(upload.id, { part_ids: partIds, md5: md5(content) });
      assert.equal(done.status, 'completed');
      assert.equal(done.file?.status, 'processed');
      assert.equal(done.file?.bytes, content.length);
      assert.equal(done.file?.filename, 'big-train.jsonl');
      const downloaded = Buffer.from(await (await a.client.files.content(done.file!.id)).arrayBuffer());
      assert.ok(downloaded.equals(content), 'the file is the parts in part_ids order');
      assert.deepEqual(await partBlobs(t.dataDir), [], 'parts are deleted once the file exists');
      assert.equal((await refusal(a.client.uploads.cancel(upload.id))).status, 400);
      if (backend !== BACKENDS[0]) return; // one real fine-tune is enough

      const job = await a.client.fineTuning.jobs.create({
        model: 'selftune-tiny', training_file: done.file!.id,
        method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1, batch_size: 32 } } },
      });
      const finished = await waitForJob(a.client, job.id, (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished.error));
      assert.ok(finished.fine_tuned_model);
    });

    test('a wrong md5 or a wrong total is refused naming which, leaves no file and the upload pending; a retry with the right list completes it', async () => {
      const content = chatJsonlOfAtLeast(2 * PART_BYTES);
      const filesBefore = (await a.client.files.list()).data.length;
      const { upload, partIds } = await uploadInParts(a.client, content, cut(content, PART_BYTES));

      const badMd5 = await refusal(a.client.uploads.complete(upload.id, { part_ids: partIds, md5: md5(Buffer.from('other')) }));
      assert.equal(badMd5.status, 400);
      assert.equal(badMd5.code, 'upload_checksum_mismatch');
      assert.equal(badMd5.param, 'md5');
      const reordered = await refusal(a.client.uploads.complete(upload.id, { part_ids: [...partIds].reverse(), md5: md5(content) }));
      assert.equal(reordered.code, 'upload_checksum_mismatch', 'the md5 covers the order');
      const short = await refusal(a.client.uploads.complete(upload.id, { part_ids: partIds.slice(1) }));
      assert.equal(short.code, 'upload_bytes_mismatch');
      assert.match(short.message, new RegExp(`created with bytes ${content.length}`));
      const unknown = await refusal(a.client.uploads.complete(upload.id, { part_ids: [...partIds, 'part_nope'] }));
      assert.equal(unknown.code, 'invalid_part_ids');
      const overflow = await refusal(a.client.uploads.parts.create(upload.id, { data: await toFile(Buffer.from('x'), 'extra') }));
      assert.equal(overflow.code, 'upload_too_large', 'a part past the declared bytes is refused');
      assert.equal((await a.client.files.list()).data.length, filesBefore, 'no file from a refused complete');

      const done = await a.client.uploads.complete(upload.id, { part_ids: partIds, md5: md5(content) });
      assert.equal(done.status, 'completed');
      assert.equal((await a.client.files.list()).data.length, filesBefore + 1);
    });

    test('content that fails validation is refused as a single upload would be, and leaves no file', async () => {
      const content = Buffer.from('{"messages": [}\n'.repeat(10));
      const upload = await a.client.uploads.create({ bytes: content.length, filename: 'bad.jsonl', mime_type: 'text/jsonl', purpose: 'fine-tune' });
      const part = await a.client.uploads.parts.create(upload.id, { data: await toFile(content, 'p') });
      const err = await refusal(a.client.uploads.complete(upload.id, { part_ids: [part.id] }));
      assert.equal(err.status, 400);
      assert.equal(err.code, 'invalid_jsonl');
      assert.ok(!(await a.client.files.list()).data.some((f) => f.filename === 'bad.jsonl'));
    });

    test('cancel deletes the parts; a cancelled upload takes no part, complete or second cancel', async () => {
      const content = chatJsonlOfAtLeast(PART_BYTES);
      const { upload, partIds } = await uploadInParts(a.client, content, cut(content, PART_BYTES));
      const before = (await partBlobs(t.dataDir)).length;
      assert.ok(before >= partIds.length);
      const cancelled = await a.client.uploads.cancel(upload.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(cancelled.file, null);
      assert.equal((await partBlobs(t.dataDir)).length, before - partIds.length);
      for (const call of [
        async () => a.client.uploads.parts.create(upload.id, { data: await toFile(Buffer.from('x'), 'p') }),
        () => a.client.uploads.complete(upload.id, { part_ids: partIds }),
        () => a.client.uploads.cancel(upload.id),
      ]) {
        const err = await refusal(call());
        assert.equal(err.code, 'invalid_upload_status');
        assert.match(err.message, /cancelled/);
      }
    });

    test('a part above the part limit is refused: declared, before its body is read; streamed, cut at the limit', async () => {
      const upload = await a.client.uploads.create({ bytes: 4 * PART_LIMIT, filename: 'x.jsonl', mime_type: 'text/jsonl', purpose: 'fine-tune' });
      const c = await openRaw(t.url);
      c.write(uploadHead(`/v1/uploads/${upload.id}/parts`, 2 * 1024 ** 3).replace('Bearer test-key', `Bearer ${a.key}`) + 'only a few bytes');
      await within(c.closed, SHORT_WAIT_MS, 'the server to answer and close');
      assert.match(c.received(), /^HTTP\/1\.1 413/);
      assert.match(c.received(), /uploads are limited to 81920 bytes/);
      const streamed = await refusal(a.client.uploads.parts.create(upload.id, { data: await toFile(Buffer.alloc(PART_LIMIT + 1, 'x'), 'p') }));
      assert.equal(streamed.status, 413);
      assert.equal(streamed.code, 'file_too_large');
      const staged = t.server.ctx.stagingPath('');
      await waitUntil(async () => (await readdir(staged)).length === 0, { timeoutMs: SHORT_WAIT_MS, what: 'nothing staged' });
    });

    test('an upload whose declared bytes cannot fit the storage quota is refused at create; two racing completes make one file', async () => {
      const over = await refusal(a.client.uploads.create({ bytes: STORAGE_QUOTA + 1, filename: 'huge.jsonl', mime_type: 'text/jsonl', purpose: 'fine-tune' }));
      assert.equal(over.status, 429);
      assert.equal(over.code, 'storage_quota_exceeded');
      const tooBig = await refusal(a.client.uploads.create({ bytes: 9 * 1024 ** 3, filename: 'huge.jsonl', mime_type: 'text/jsonl', purpose: 'fine-tune' }));
      assert.equal(tooBig.code, 'value_above_maximum');

      const content = chatJsonlOfAtLeast(2 * PART_BYTES);
      const filesBefore = (await a.client.files.list()).data.length;
      const { upload, partIds } = await uploadInParts(a.client, content, cut(content, PART_BYTES));
      const outcomes = await Promise.allSettled([0, 1, 2].map(() => a.client.uploads.complete(upload.id, { part_ids: partIds, md5: md5(content) })));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(won.length, 1, JSON.stringify(outcomes));
      for (const o of outcomes.filter((x) => x.status === 'rejected')) {
        assert.ok(o.reason instanceof OpenAI.APIError && o.reason.code === 'invalid_upload_status', String(o.reason));
      }
      assert.equal((await a.client.files.list()).data.length, filesBefore + 1);
    });

    test("another project's upload answers 404, like one that does not exist", async () => {
      const content = chatJsonlOfAtLeast(PART_BYTES);
      const { upload, partIds } = await uploadInParts(a.client, content, cut(content, PART_BYTES));
      for (const [client, id] of [[b.client, upload.id], [a.client, 'upload_000000000000000000000000']] as const) {
        for (const call of [
          async () => client.uploads.parts.create(id, { data: await toFile(Buffer.from('x'), 'p') }),
          () => client.uploads.complete(id, { part_ids: partIds }),
          () => client.uploads.cancel(id),
        ]) {
          const err = await refusal(call());
          assert.equal(err.status, 404);
          assert.equal(err.code, 'upload_not_found');
        }
      }
      assert.equal((await a.client.uploads.complete(upload.id, { part_ids: partIds })).status, 'completed');
    });
  });
}

test('an upload not completed in time expires: its parts are deleted and it takes nothing more', async () => {
  const t = await startServer({ uploadExpirySeconds: 2 });
  try {
    const content = chatJsonlOfAtLeast(1000);
    const { upload, partIds } = await uploadInParts(t.client, content, cut(content, 400));
    assert.equal(upload.expires_at - upload.created_at, 2);
    assert.equal((await partBlobs(t.dataDir)).length, partIds.length);
    await waitUntil(async () => (await partBlobs(t.dataDir)).length === 0, { timeoutMs: SHORT_WAIT_MS, what: 'the expired upload\'s parts to be deleted' });
    const row = await t.server.ctx.uploads.get(DEFAULT_TENANT, parseRecordId('upload', upload.id));
    assert.equal(row.status, 'expired');
    const err = await refusal(t.client.uploads.complete(upload.id, { part_ids: partIds }));
    assert.equal(err.code, 'invalid_upload_status');
    assert.match(err.message, /expired/);
  } finally {
    await t.close();
  }
});
