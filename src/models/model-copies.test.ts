import assert from 'node:assert/strict';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { S3DataMirror } from '../blobs/s3-data-mirror.ts';
import type { DataMirror } from '../blobs/blob-store.ts';
import { LocalDataMirror } from '../blobs/local-data-mirror.ts';
import { startS3Server, type TestS3 } from '../../test/helpers/s3-server.ts';
import { tempDir } from '../../test/helpers/server.ts';
import { ModelCopies } from './model-copies.ts';

// Two data directories on one real S3 server (s3rver), as two replicas: a model
// folder pushed by one is fetched by the other on first use, once however many
// requests ask at the same time, and a discarded copy leaves that disk.

let s3: TestS3;
const dirs: string[] = [];
before(async () => (s3 = await startS3Server()));
after(async () => {
  await s3.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function replica(blobUrl: string) {
  const dataDir = await tempDir('copies');
  dirs.push(dataDir);
  const { location, client } = s3.objectsAt(blobUrl);
  const real = new S3DataMirror(client, location, dataDir);
  // The real mirror, counting the fetches that reach it.
  const fetched: string[] = [];
  const mirror: DataMirror = { location, fetch: (rel) => (fetched.push(rel), real.fetch(rel)), has: (rel) => real.has(rel), push: (rel) => real.push(rel), remove: (rel) => real.remove(rel) };
  return { dataDir, mirror, fetched, copies: new ModelCopies(mirror, dataDir) };
}

const REL = 'runs/job-1/final';
const exists = (path: string) => access(path).then(() => true, () => false);

test('a model folder another server pushed is fetched once for concurrent requests, then discarded from this disk and the store', async () => {
  const blobUrl = s3.blobUrl();
  const [a, b] = await Promise.all([replica(blobUrl), replica(blobUrl)]);
  await mkdir(join(a.dataDir, REL), { recursive: true });
  await writeFile(join(a.dataDir, REL, 'config.json'), '{"model_type":"llama"}');
  await writeFile(join(a.dataDir, REL, 'model.safetensors'), Buffer.alloc(300_000, 7));
  await a.mirror.push(REL);

  await Promise.all(Array.from({ length: 5 }, () => b.copies.ensure(REL)));
  assert.deepEqual(b.fetched, [REL], 'one fetch for five concurrent requests');
  assert.equal(await readFile(join(b.dataDir, REL, 'config.json'), 'utf8'), '{"model_type":"llama"}');
  assert.equal((await readFile(join(b.dataDir, REL, 'model.safetensors'))).length, 300_000);
  await b.copies.ensure(REL);
  assert.equal(b.fetched.length, 1, 'present since: no second fetch');

  await b.copies.discard(REL, true);
  assert.equal(await exists(join(b.dataDir, REL)), false, "this server's copy is gone");
  await a.copies.removeStored(REL);
  await assert.rejects(b.copies.ensure(REL), /neither on this server nor in object storage/);
  await assert.rejects(b.copies.ensure(REL), /neither/, 'a failed fetch is not remembered: the next request asks again');
  assert.equal(b.fetched.length, 3);
});

test('a checkpoint model discarded keeps the files of its job\'s run', async () => {
  const b = await replica(s3.blobUrl());
  const rel = 'runs/job-2/checkpoints/step-4/model';
  await mkdir(join(b.dataDir, rel), { recursive: true });
  await writeFile(join(b.dataDir, rel, 'config.json'), '{}');
  await b.copies.discard(rel, false);
  assert.equal(await exists(join(b.dataDir, rel, 'config.json')), true);
});

test('without an object store nothing is fetched: the data directory is the only copy', async () => {
  const dataDir = await tempDir('copies');
  dirs.push(dataDir);
  const copies = new ModelCopies(new LocalDataMirror(dataDir), dataDir);
  assert.equal(copies.shared, false);
  await copies.ensure(REL); // absent here and no store to ask: nothing to fetch, no error from the copies
});
