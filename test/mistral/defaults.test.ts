import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { demoExamples, toJsonl } from '../../src/demo/demo-data.ts';
import { toOpenAiId } from '../../src/ids/ids.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from './mistral-helpers.ts';

// A Mistral job that leaves its length and batch to selftune: the batch grows
// with the data, and the metadata's tokens per step are what a step trains on.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

test('a job without steps or epochs on 400 examples trains at batch size 4, and train_tokens_per_step is what a step trained on', async () => {
  const client = mistralClient(t);
  const file = await uploadMistral(client, toJsonl(demoExamples(400)));
  const created = await createJob(client, { model: 'selftune-tiny', trainingFiles: [{ fileId: file.id, weight: 1 }], hyperparameters: {} });
  const validated = await waitMistral(client, created.id, (j) => j.status === 'VALIDATED' || isOver(j));
  assert.equal(validated.status, 'VALIDATED', JSON.stringify(validated.events));
  const meta = validated.metadata!;
  // 400 examples: batch 4 (the power of two below 400/64), 100 steps an epoch, 3 epochs.
  assert.deepEqual([validated.hyperparameters.trainingSteps, validated.hyperparameters.epochs], [300, 3]);
  const tokensPerExample = meta.dataTokens! / 400;
  assert.equal(meta.trainTokensPerStep, Math.round(4 * tokensPerExample));
  assert.equal(meta.trainTokens, meta.trainTokensPerStep! * 300);

  await client.fineTuning.jobs.start({ jobId: created.id });
  const done = await waitMistral(client, created.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  const same = await t.client.fineTuning.jobs.retrieve(toOpenAiId('job', created.id));
  assert.equal(same.hyperparameters.batch_size, 4);
  // Every example trained 3 times over: the estimate matches what the trainer counted.
  assert.equal(same.trained_tokens, 3 * meta.dataTokens!);
  assert.ok(Math.abs(meta.trainTokens! - same.trained_tokens!) <= 300, `${meta.trainTokens} estimated, ${same.trained_tokens} trained`);
});
