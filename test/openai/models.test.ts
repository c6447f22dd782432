import assert from 'node:assert/strict';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { allEvents, isFinished, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// Any Hugging Face model folder dropped into <data-dir>/models is listed and
// fine-tunable; this one asks for LoRA, so the adapter path is exercised end to end.

let t: TestServer;
before(async () => {
  t = await startServer();
  const models = join(t.dataDir, 'models');
  await cp(join(models, 'selftune-tiny'), join(models, 'my-llama'), { recursive: true });
  await writeFile(join(models, 'my-llama', 'selftune.json'), JSON.stringify({ training_mode: 'lora', base_learning_rate: 0.002 }));
});
after(() => t.close());

test('a model placed in the models folder is listed and retrievable', async () => {
  const { client } = t;
  const ids = (await client.models.list()).data.map((m) => m.id);
  assert.ok(ids.includes('my-llama'));
  const model = await client.models.retrieve('my-llama');
  assert.equal(model.owned_by, 'system');
  const tiny = (await client.models.retrieve('selftune-tiny')) as unknown as { description: string };
  assert.match(tiny.description, /random-initialised/);
});

test('it fine-tunes with LoRA, and the adapter model and its checkpoints are served', async () => {
  const { client } = t;
  const { training, validation } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({
    model: 'my-llama',
    training_file: training.id,
    validation_file: validation.id,
    hyperparameters: { n_epochs: 2, batch_size: 4 },
    integrations: [{ type: 'wandb', wandb: { project: 'selftune-tests', tags: ['lora'] } }],
  });
  assert.deepEqual(job.integrations, [{ type: 'wandb', wandb: { project: 'selftune-tests', tags: ['lora'] } }]);
  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  assert.match(done.fine_tuned_model!, /^ft:my-llama:default::[0-9A-Za-z]{8}$/);
  assert.deepEqual(done.hyperparameters, { n_epochs: 2, batch_size: 4, learning_rate_multiplier: 2 });
  const messages = (await allEvents(client, job.id)).map((e) => e.message);
  assert.ok(messages.some((m) => /with LoRA \(\d+ trainable parameters\): 12 steps/.test(m)), messages.join('\n'));
  const checkpoints = (await client.fineTuning.jobs.checkpoints.list(job.id)).data;
  assert.deepEqual(checkpoints.map((c) => c.step_number), [12, 6]);
  const listed = (await client.models.list()).data.map((m) => m.id);
  for (const c of checkpoints) assert.ok(listed.includes(c.fine_tuned_model_checkpoint));
});

test('continued fine-tuning starts from a fully fine-tuned model', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const first = await waitForJob(client, (await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 } })).id, isFinished);
  assert.equal(first.status, 'succeeded');
  const second = await client.fineTuning.jobs.create({ model: first.fine_tuned_model!, training_file: training.id, hyperparameters: { n_epochs: 1 }, suffix: 'again' });
  const done = await waitForJob(client, second.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  assert.match(done.fine_tuned_model!, /^ft:selftune-tiny:default:again:/, 'named after the root base model');
  // The second run starts where the first ended: its first loss is below the first run's first loss.
  const firstLoss = async (id: string) => ((await allEvents(client, id)).find((e) => e.type === 'metrics')!.data as { train_loss: number }).train_loss;
  assert.ok((await firstLoss(second.id)) < (await firstLoss(first.id)));
});
