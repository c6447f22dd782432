import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allEvents, isFinished, sleep, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';

// Steering a running job: cancel stops the trainer before its end; pause saves
// a checkpoint and stops; resume continues to the same total number of steps.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

const stepsOf = async (id: string) =>
  (await allEvents(t.client, id)).filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);

test('cancel stops a running job before its end and keeps its history', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 20 }, seed: 1 });
  await waitForStep(client, job.id, 5);
  const askedAt = Math.floor(Date.now() / 1000);
  const cancelled = await client.fineTuning.jobs.cancel(job.id);
  assert.equal(cancelled.status, 'cancelled');
  // The trainer stops at a step boundary; the event naming that step is written once its process has exited.
  const stopped = await waitUntil(async () => (await allEvents(client, job.id)).find((e) => /^Fine-tuning job cancelled at step \d+$/.test(e.message)), { what: 'the trainer to stop' });
  const stoppedAt = Number(/step (\d+)$/.exec(stopped.message)![1]);
  const steps = await stepsOf(job.id);
  assert.ok(steps.length > 0 && steps.at(-1)! <= stoppedAt, `no step after the one it stopped at (${stoppedAt}): ${steps.at(-1)}`);
  assert.ok(stoppedAt < 480, 'stopped before the end');
  const final = await client.fineTuning.jobs.retrieve(job.id);
  assert.equal(final.status, 'cancelled');
  assert.ok(final.finished_at! >= askedAt, 'finished_at is not before the cancel was asked');
  assert.equal(final.fine_tuned_model, null);
  const messages = (await allEvents(client, job.id)).map((e) => e.message);
  assert.ok(messages.some((m) => /^Fine-tuning job cancelled/.test(m)), messages.join('\n'));
  await assert.rejects(client.fineTuning.jobs.pause(job.id), (err: { status: number; code: string }) => err.status === 400 && err.code === 'invalid_job_status');
});

test('pause checkpoints and stops; resume reaches the same total steps and succeeds', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 6 }, seed: 3 });
  await waitForStep(client, job.id, 10);
  const pausing = await client.fineTuning.jobs.pause(job.id);
  assert.ok(['pausing', 'paused'].includes(pausing.status), pausing.status);
  const paused = await waitForJob(client, job.id, (j) => (j.status as string) === 'paused' || isFinished(j));
  assert.equal(paused.status, 'paused');
  const stepsAtPause = await stepsOf(job.id);
  assert.ok(stepsAtPause.length > 0 && stepsAtPause.length < 144, `paused mid-run at step ${stepsAtPause.at(-1)}`);
  await sleep(1500);
  assert.deepEqual(await stepsOf(job.id), stepsAtPause, 'nothing trains while paused');
  const resumed = await client.fineTuning.jobs.resume(job.id);
  assert.equal(resumed.status, 'queued');
  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const steps = await stepsOf(job.id);
  assert.equal(steps.at(-1), 144, 'same total number of steps (24 × 6)');
  // Steps after the pause continue where it stopped, without restarting from zero.
  assert.equal(steps.length, 144);
  const messages = (await allEvents(client, job.id)).map((e) => e.message);
  assert.ok(messages.some((m) => /^Fine-tuning job paused at step \d+$/.test(m)), messages.join('\n'));
  assert.equal(messages.filter((m) => m === 'Fine-tuning job resumed').length, 1, 'one resume, one event');
});
