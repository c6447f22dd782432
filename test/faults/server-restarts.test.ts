import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../helpers/server.ts';
import { LONG_WAIT_MS } from '../helpers/wait.ts';
import { descendants, isAlive, until } from './processes.ts';

// A server killed with SIGKILL is no fault of the job it was running: the
// job resumes after every restart, however many there are (more than its
// recovery budget of 3 here), and its history holds each step once.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.map((c) => c())));

const exited = (p: ChildProcess) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));

test('a job survives more server SIGKILLs than its recovery budget and succeeds', async (t) => {
  const dataDir = await tempDir('restarts');
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 });
  let server = spawnServer(dataDir, port);
  cleanups.push(async () => {
    server.kill('SIGKILL');
    await exited(server);
  });
  await waitForHealth(url);
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 21 });

  // Each kill comes a few steps after a checkpoint (24, 48, 72) or before the first: 4 kills > 3 recoveries.
  for (const step of [6, 30, 54, 78]) {
    await waitForStep(client, job.id, step);
    const children = descendants(server.pid!).map((p) => p.pid);
    server.kill('SIGKILL');
    await exited(server);
    const killedAt = Date.now();
    await until(() => children.every((pid) => !isAlive(pid)), 'the dead server\'s children exit', LONG_WAIT_MS, 50);
    t.diagnostic(`kill at step ${step}: its ${children.length} child processes were gone ${Date.now() - killedAt} ms after the server`);
    server = spawnServer(dataDir, port);
    await waitForHealth(url);
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
  server.kill('SIGTERM');
  await exited(server);
});
