import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type OpenAI from 'openai';
import { allEvents, isFinished, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// One job on two training processes (torchrun, gloo on CPU: what SELFTUNE_TRAIN_PROCESSES=2 does),
// through the real server and the official SDK, next to the same job on one process: the client
// must not be able to tell them apart, except by the line that says how many processes trained.

let multi: TestServer;
let single: TestServer;

before(async () => {
  [multi, single] = await Promise.all([startServer({ trainProcesses: 2 }), startServer({ trainProcesses: 1 })]);
});
after(() => Promise.all([multi?.close(), single?.close()]));

async function trainDemo(client: OpenAI) {
  const { training, validation } = await uploadDemo(client);
  const created = await client.fineTuning.jobs.create({
    model: 'selftune-tiny',
    training_file: training.id,
    validation_file: validation.id,
    // Batches of 3: each step is split 2 + 1 examples between the ranks.
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 3 } } },
    seed: 5,
  });
  const job = await waitForJob(client, created.id, isFinished);
  return { job, events: await allEvents(client, created.id) };
}

type Metrics = { step: number; train_loss: number; valid_loss?: number; train_mean_token_accuracy: number };

test('a job on two processes succeeds with the events and metrics of a one-process job', async () => {
  const [two, one] = await Promise.all([trainDemo(multi.client), trainDemo(single.client)]);
  assert.equal(two.job.status, 'succeeded', JSON.stringify(two.job.error));
  assert.equal(one.job.status, 'succeeded', JSON.stringify(one.job.error));
  assert.equal(two.job.trained_tokens, one.job.trained_tokens);

  const training = (events: typeof two.events) => events.filter((e) => e.message.startsWith('Training selftune-tiny on '));
  assert.equal(training(two.events).length, 1, 'one started event, from rank 0 only');
  assert.match(training(two.events)[0]!.message, /^Training selftune-tiny on 2 processes, cpu \(float32\)/);
  assert.match(training(one.events)[0]!.message, /^Training selftune-tiny on cpu \(float32\)/);

  const metrics = (events: typeof two.events) => events.filter((e) => e.type === 'metrics').map((e) => e.data as Metrics);
  const [m2, m1] = [metrics(two.events), metrics(one.events)];
  assert.deepEqual(m2.map((m) => m.step), Array.from({ length: 16 }, (_, i) => i + 1), 'every step once, in order'); // 24 examples / 3 × 2 epochs
  assert.deepEqual(m2.map((m) => m.step), m1.map((m) => m.step));
  assert.deepEqual(m2.map((m) => m.valid_loss === undefined), m1.map((m) => m.valid_loss === undefined));
  // The same global batch and gradient; float32 sums in another order (see trainer/tests/test_distributed.py).
  m2.forEach((m, i) => {
    assert.ok(Math.abs(m.train_loss - m1[i]!.train_loss) <= 1e-5 * m1[i]!.train_loss, `step ${m.step}: ${m.train_loss} vs ${m1[i]!.train_loss}`);
    assert.ok(Math.abs(m.train_mean_token_accuracy - m1[i]!.train_mean_token_accuracy) < 1e-9);
  });

  // Apart from ids, times and the numbers above, the two event logs say the same things.
  const shape = (events: typeof two.events) =>
    events.map((e) => `${e.level} ${e.type} ${e.message.replace('on 2 processes, ', 'on ').replace(/(ftjob|file)-\w+|ft:[\w:-]+|[\d.]+/g, '#')}`);
  assert.deepEqual(shape(two.events), shape(one.events));
  const checkpoints = async (t: TestServer, id: string) => (await t.client.fineTuning.jobs.checkpoints.list(id)).data.map((c) => c.step_number);
  assert.deepEqual(await checkpoints(multi, two.job.id), await checkpoints(single, one.job.id));
});
