import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { LONG_WAIT_MS } from '../helpers/wait.ts';
import { descendants, exited, isAlive, serverProcess, until } from './processes.ts';

// A server killed with SIGKILL is no fault of the job it was running: the
// job resumes after every restart, however many there are (more than its
// recovery budget of 3 here), and its history holds each step once.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.map((c) => c())));

test('a job survives more server SIGKILLs than its recovery budget and succeeds', async (t) => {
  const server = await serverProcess('restarts', cleanups);
  const { client } = server;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 21 });

  // Each kill comes a few steps after a checkpoint (24, 48, 72) or before the first: 4 kills > 3 recoveries.
  for (const step of [6, 30, 54, 78]) {
    await waitForStep(client, job.id, step);
    const children = descendants(server.process.pid!).map((p) => p.pid);
    server.process.kill('SIGKILL');
    await exited(server.process);
    const killedAt = Date.now();
    await until(() => children.every((pid) => !isAlive(pid)), 'the dead server\'s children exit', LONG_WAIT_MS, 50);
    t.diagnostic(`kill at step ${step}: its ${children.length} child processes were gone ${Date.now() - killedAt} ms after the server`);
    await server.restart();
  }

  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const events = await allEvents(client, job.id);
  const messages = events.map((e) => e.message);
  const restarts = messages.filter((m) => /^The server running this job stopped at step \d+; the job is queued again/.test(m));
  assert.equal(restarts.length, 4, messages.join('\n'));
  assert.ok(!messages.some((m) => /recovery \d+ of \d+/.test(m)), 'no recovery spent on a server restart');
  assert.equal(messages.filter((m) => m === 'Fine-tuning job resumed').length, 4, 'one resume event per restart');
  const steps = events.filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);
  assert.deepEqual(steps, Array.from({ length: 96 }, (_, i) => i + 1), 'every step once, none replayed twice');
  server.process.kill('SIGTERM');
  await exited(server.process);
});
