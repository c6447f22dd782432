import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NotFoundError } from 'openai';
import pg from 'pg';
import { isFinished, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { type Replica, type ReplicaSet, startReplicas } from '../helpers/replicas.ts';

// A fine-tuned model trained through one replica is served by every replica:
// the others fetch its folder from the bucket on first use. Deleted through
// one, it is gone everywhere: the database, every replica's disk and worker, the bucket.

let set: ReplicaSet;
before(async () => (set = await startReplicas(2)));
after(() => set?.close());

const exists = (path: string) => access(path).then(() => true, () => false);

async function chat(r: Replica, model: string) {
  const res = await r.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'What colour is the sky?' }], temperature: 0, max_tokens: 24, seed: 3 });
  return res.choices[0]!.message.content;
}

async function modelFolder(model: string): Promise<string> {
  const client = new pg.Client({ connectionString: set.databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ path: string }>('SELECT path FROM models WHERE id = $1', [model])).rows[0]!.path;
  } finally {
    await client.end();
  }
}

async function storedObjects(rel: string): Promise<number> {
  return (await set.s3.objectsAt(set.blobUrl).keys(`${rel}/`)).length;
}

test('a model trained via A answers identically through A and B; deleted through A, it is gone from B, both disks and the bucket', async () => {
  const [a, b] = set.replicas as [Replica, Replica];
  const { training } = await uploadDemo(a.client);
  const created = await a.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 }, seed: 9 });
  const job = await waitForJob(a.client, created.id, isFinished);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  const model = job.fine_tuned_model!;
  const rel = await modelFolder(model);
  assert.ok((await storedObjects(rel)) > 0, 'the final weights are in the bucket');
  // Whichever replica trained it has the folder; make sure the asking one starts without it.
  const [trainer, asker] = (await exists(join(a.dataDir, rel))) ? [a, b] : [b, a];
  assert.equal(await exists(join(asker.dataDir, rel)), false);

  const fromTrainer = await chat(trainer, model);
  const fromAsker = await Promise.all([1, 2, 3].map(() => chat(asker, model))); // concurrent first requests share one fetch
  assert.ok(fromTrainer);
  for (const text of fromAsker) assert.equal(text, fromTrainer);
  assert.ok(await exists(join(asker.dataDir, rel, 'adapter_config.json')) || await exists(join(asker.dataDir, rel, 'config.json')), 'the asker fetched the folder');

  await a.client.models.delete(model);
  for (const r of [a, b]) {
    await assert.rejects(chat(r, model), (err) => err instanceof NotFoundError, `${r.name} answers 404`);
    assert.equal(await exists(join(r.dataDir, rel)), false, `${r.name}'s copy is removed`);
  }
  assert.equal(await storedObjects(rel), 0, 'the objects are deleted from the bucket');
});
