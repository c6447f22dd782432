import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { isAlive, trainers, until } from './processes.ts';

// The trainer process is killed with SIGKILL (what the kernel's OOM killer
// sends) mid-training. The job is the trainer's: it spends one recovery,
// resumes from its last checkpoint in a new process, says what happened and
// records each step's metrics once. With no recovery left it fails, naming memory.

const stepsOf = async (t: TestServer, id: string) =>
  (await allEvents(t.client, id)).filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);

/** The trainer now running job `id` (the one whose step events arrive), killed with SIGKILL. */
async function killTrainer(): Promise<number> {
  let pid = 0;
  await until(() => {
    // A parked standby may exist too; the job's trainer is the one that was handed work (the oldest).
    pid = trainers(process.pid).map((p) => p.pid).sort((a, b) => a - b)[0] ?? 0;
    return pid > 0;
  }, 'a trainer process');
  process.kill(pid, 'SIGKILL');
  await until(() => !isAlive(pid), `trainer ${pid} gone`);
  return pid;
}

let t: TestServer;
before(async () => {
  t = await startServer({ trainerStandby: 'false' });
});
after(() => t.close());

test('a trainer killed with SIGKILL resumes in a new process from its last checkpoint', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 11 });
  await waitForStep(client, job.id, 30); // past the first epoch's checkpoint (step 24)
  const killed = await killTrainer();

  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const events = await allEvents(client, job.id);
  const messages = events.map((e) => e.message);
  const died = events.find((e) => /^The training worker stopped unexpectedly at step \d+ \(signal SIGKILL\)/.test(e.message));
  assert.ok(died, messages.join('\n'));
  assert.equal(died.level, 'warn');
  assert.match(died.message, /out-of-memory killer/, 'a SIGKILL names memory');
  assert.match(died.message, /resumes from its last checkpoint \(recovery 1 of 3\)\.$/);
  const resumedAt = messages.find((m) => /resuming from step (\d+)/.test(m));
  assert.ok(resumedAt, 'the new trainer resumed from a checkpoint');
  assert.ok(Number(/resuming from step (\d+)/.exec(resumedAt)![1]) >= 24, resumedAt);
  assert.equal(messages.filter((m) => m === 'Fine-tuning job resumed').length, 1, 'one resume, one event');
  assert.deepEqual(await stepsOf(t, job.id), Array.from({ length: 96 }, (_, i) => i + 1), 'every step once: replayed steps are not recorded again');
  const checkpointEvents = messages.filter((m) => m.startsWith('Checkpoint created at step'));
  assert.deepEqual(checkpointEvents.map((m) => Number(/step (\d+)/.exec(m)![1])), [24, 48, 72], 'each checkpoint announced once');
  assert.ok(!trainers(process.pid).some((p) => p.pid === killed));
});

test('with no recovery left, a killed trainer fails its job with a message that names memory', async () => {
  const strict = await startServer({ trainerStandby: 'false', maxRecoveries: 0 });
  try {
    const { client } = strict;
    const { training } = await uploadDemo(client);
    const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 12 });
    await waitForStep(client, job.id, 3);
    await killTrainer();
    const done = await waitForJob(client, job.id, isFinished);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'worker_crashed');
    assert.match(done.error!.message, /signal SIGKILL.*out-of-memory killer/s);
  } finally {
    await strict.close();
  }
});
