import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MistralError } from '@mistralai/mistralai/models/errors/mistralerror.js';
import OpenAI, { toFile } from 'openai';
import { DEFAULT_RESERVE_BYTES } from '../../src/blobs/disk-space.ts';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { type Backend, BACKENDS, createPostgresDatabase } from '../helpers/backends.ts';
import { upload } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.ts';
import { mistralClient } from '../mistral/mistral-helpers.ts';

// A real full disk: the data directory is a small tmpfs, filled to the last
// page by a filler file. Uploads must fail cleanly, naming disk space; reads
// and deletes must keep working; nothing stored may change.

const FILLER = 'filler.bin';

const sha = (data: string | ArrayBuffer) => createHash('sha256').update(typeof data === 'string' ? data : Buffer.from(data)).digest('hex');

/** Writes until the filesystem refuses another byte (big chunks, then single pages). */
async function fillDisk(dir: string): Promise<void> {
  const file = await open(join(dir, FILLER), 'a');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        const written = await file.write(chunk).then((r) => r.bytesWritten, (err: NodeJS.ErrnoException) => (err.code === 'ENOSPC' ? 0 : Promise.reject(err)));
        if (written < size) break;
      }
    }
  } finally {
    await file.close();
  }
}

/** Every stored file's content digest, by id, read through the API. */
async function contents(client: OpenAI): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of (await client.files.list()).data) out.set(f.id, sha(await (await client.files.content(f.id)).arrayBuffer()));
  return out;
}

/**
 * A server whose data directory is a fresh small tmpfs, its records in SQLite
 * there or in a Postgres database elsewhere (then only the blob store is full).
 */
async function serverOnSmallDisk(backend: Backend): Promise<{ t: TestServer; small: SmallDisk; close(): Promise<void> } | { skip: string }> {
  const disk = await mountSmallDisk(48 * 1024 * 1024);
  if ('skip' in disk) return disk;
  const database = backend === 'postgres' ? await createPostgresDatabase() : null;
  const t = await startServer({ dataDir: disk.dir, ...(database ? { databaseUrl: database.url } : {}) });
  return {
    t,
    small: disk,
    close: async () => {
      await t.close();
      await database?.drop();
      await disk.unmount();
    },
  };
}
for (const backend of BACKENDS) {
  test(`${backend}: on a full disk uploads fail naming disk space, reads and deletes work, nothing stored changes`, async (ctx) => {
    const env = await serverOnSmallDisk(backend);
    if ('skip' in env) return ctx.skip(env.skip);
    const { t, small } = env;
    try {
      const kept = [await upload(t.client, demoTrainingJsonl(), 'keep-1.jsonl'), await upload(t.client, demoTrainingJsonl(), 'keep-2.jsonl')];
      const doomed = await upload(t.client, demoTrainingJsonl(), 'delete-me.jsonl');
      const before = await contents(t.client);
      await fillDisk(small.dir);

      // OpenAI: a clear error in its envelope, and the SDK is told not to retry (a full disk stays full).
      const bigger = 'x'.repeat(256 * 1024);
      const openAiRefusal = await t.client.files.create({ file: await toFile(Buffer.from(bigger), 'more.txt'), purpose: 'batch' }).then(
        () => assert.fail('upload on a full disk succeeded'),
        (err: unknown) => err,
      );
      assert.ok(openAiRefusal instanceof OpenAI.APIError, String(openAiRefusal));
      assert.equal(openAiRefusal.status, 507);
      assert.equal(openAiRefusal.headers?.get('x-should-retry'), 'false');
      const body = openAiRefusal.error as { code: string; type: string; message: string };
      assert.equal(body.code, 'disk_full');
      assert.equal(body.type, 'server_error');
      assert.match(body.message, /disk space/);

      // Mistral: the same error in its `{object:'error'}` envelope.
      const mistral = mistralClient(t);
      const mistralRefusal = await mistral.files.upload({ file: { fileName: 'more.jsonl', content: Buffer.from(demoTrainingJsonl().repeat(40)) } }).then(
        () => assert.fail('Mistral upload on a full disk succeeded'),
        (err: unknown) => err,
      );
      assert.ok(mistralRefusal instanceof MistralError, String(mistralRefusal));
      assert.equal(mistralRefusal.statusCode, 507);
      const mistralBody = JSON.parse(mistralRefusal.body) as { object: string; code: string; message: string };
      assert.equal(mistralBody.object, 'error');
      assert.equal(mistralBody.code, 'disk_full');
      assert.match(mistralBody.message, /disk space/);

      // No half-written file anywhere: nothing staged, no new blob, no new record.
      assert.deepEqual(await readdir(join(small.dir, 'tmp')), []);
      assert.equal((await readdir(join(small.dir, 'files'))).length, 3);

      // Reads keep working and return exactly what was stored.
      assert.deepEqual(await contents(t.client), before);
      assert.equal((await t.client.files.retrieve(kept[0]!.id)).filename, 'keep-1.jsonl');
      assert.equal((await mistral.files.list({})).total, 3);

      // A delete works on the full disk, and frees the space it held.
      const deleted = await t.client.files.delete(doomed.id);
      assert.equal(deleted.deleted, true);
      await assert.rejects(t.client.files.retrieve(doomed.id), (err: InstanceType<typeof OpenAI.NotFoundError>) => err.status === 404);
      const after = await contents(t.client);
      assert.deepEqual([...after.keys()].sort(), kept.map((f) => f.id).sort());
      for (const [id, digest] of after) assert.equal(digest, before.get(id), `file ${id} unchanged`);

      // With room again, uploads work again, and the reserve the delete used is claimed back first.
      await rm(join(small.dir, FILLER));
      const again = await upload(t.client, demoTrainingJsonl(), 'after.jsonl');
      assert.equal(sha(await (await t.client.files.content(again.id)).arrayBuffer()), sha(demoTrainingJsonl()));
      assert.equal((await stat(join(small.dir, 'disk-reserve'))).size, DEFAULT_RESERVE_BYTES);
      for (const [id, digest] of after) assert.equal(sha(await (await t.client.files.content(id)).arrayBuffer()), digest);
    } finally {
      await env.close();
    }
  });
}
