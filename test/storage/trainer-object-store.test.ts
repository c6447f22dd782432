import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseRecordId } from '../../src/ids/ids.ts';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { isAlive, trainers, until } from '../faults/processes.ts';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startS3Server, type TestS3 } from '../helpers/s3-server.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from '../mistral/mistral-helpers.ts';
import { DEFAULT_TENANT } from '../helpers/tenants.ts';

// A server whose data directory is mirrored in object storage (a real s3rver): the trainer
// uploads each checkpoint and the final weights, and a trainer that dies together with its
// run folder (the node is gone) resumes from the checkpoint in the bucket.

let s3: TestS3;
let t: TestServer;
let bucketKeys: (under: string) => Promise<string[]>;
before(async () => {
  s3 = await startS3Server();
  const blobUrl = s3.blobUrl();
  t = await startServer({ blobUrl, trainerStandby: 'false' }, { awsEnv: s3.env });
  bucketKeys = s3.objectsAt(blobUrl).keys;
});
after(async () => {
  await t?.close();
  await s3?.close();
});

/** Checkpoint steps in the bucket whose upload finished (their marker is there). */
const bucketCheckpoints = async (run: string) =>
  (await bucketKeys(`${run}/checkpoints/`)).filter((k) => k.endsWith('/.complete')).map((k) => Number(/step-(\d+)/.exec(k)![1])).sort((a, b) => a - b);

/** The job's trainer, frozen (SIGSTOP) so that nothing is written while its run folder is deleted, then SIGKILLed. */
async function killWithItsFolder(runDir: string): Promise<void> {
  let pid = 0;
  await until(() => (pid = trainers(process.pid).map((p) => p.pid).sort((a, b) => a - b)[0] ?? 0) > 0, 'a trainer process');
  process.kill(pid, 'SIGSTOP');
  await rm(runDir, { recursive: true, force: true });
  process.kill(pid, 'SIGKILL');
  await until(() => !isAlive(pid), `trainer ${pid} gone`);
}

test('a job on a mirrored data directory uploads its checkpoints and weights, and resumes from the bucket when its trainer dies with its run folder', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 21 });
  const run = `runs/${parseRecordId('job', job.id)}`;
  await waitForStep(client, job.id, 30); // past the first epoch's checkpoint (step 24)
  assert.ok((await bucketCheckpoints(run)).includes(24), 'the step-24 checkpoint is in the bucket once its event is recorded');
  await killWithItsFolder(join(t.dataDir, run));

  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const messages = (await allEvents(client, job.id)).map((e) => e.message);
  const fetched = messages.find((m) => /downloading the restart point at step (\d+) from object storage/.test(m));
  assert.ok(fetched, messages.join('\n'));
  const resumedAt = Number(/resuming from step (\d+)/.exec(messages.find((m) => /resuming from step \d+/.test(m)) ?? '')?.[1]);
  assert.equal(resumedAt, Number(/step (\d+)/.exec(fetched)![1]), 'the new trainer resumed from what it downloaded');
  assert.ok(resumedAt >= 24, `resumed from ${resumedAt}`);
  assert.equal(messages.filter((m) => m === 'Fine-tuning job resumed').length, 1, 'one resume, one event');
  const steps = (await allEvents(client, job.id)).filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);
  assert.deepEqual(steps, Array.from({ length: 96 }, (_, i) => i + 1), 'every step recorded once');

  // The newest three checkpoints and the final weights are in the bucket, each complete.
  assert.deepEqual(await bucketCheckpoints(run), [48, 72, 96]);
  const final = await bucketKeys(`${run}/final/`);
  for (const name of ['.complete', 'model.safetensors', 'selftune_model.json', 'tokenizer.json']) assert.ok(final.includes(`${run}/final/${name}`), final.join('\n'));
  assert.ok((await readdir(join(t.dataDir, run, 'final'))).includes('model.safetensors'));
  const info = JSON.parse(await readFile(join(t.dataDir, run, 'final', 'selftune_model.json'), 'utf8')) as { steps: number };
  assert.equal(info.steps, 96);

  // Deleting the model deletes its weights from the bucket too.
  await client.models.delete(done.fine_tuned_model!);
  assert.deepEqual(await bucketKeys(`${run}/final/`), []);
});

test('the filtered copy validation writes is pushed to the bucket and recorded relative to the data directory', async () => {
  const client = mistralClient(t);
  const training = await uploadMistral(client, `${demoTrainingJsonl()}{"messages": []}\n`);
  const created = await createJob(client, {
    model: 'selftune-tiny', trainingFiles: [{ fileId: training.id, weight: 1 }], invalidSampleSkipPercentage: 0.1, autoStart: true,
    hyperparameters: { learningRate: 1e-3, trainingSteps: 2 },
  });
  const done = await waitMistral(client, created.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  const job = await t.server.ctx.jobs.get(DEFAULT_TENANT, created.id);
  const filtered = Object.values(job.stats.filtered_files ?? {});
  assert.equal(filtered.length, 1);
  assert.match(filtered[0]!, new RegExp(`^runs/${created.id}/inputs/`), 'recorded relative to the data directory');
  assert.ok((await bucketKeys(`runs/${created.id}/inputs/`)).includes(filtered[0]!), 'and in the bucket under the same name');
});
