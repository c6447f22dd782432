import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { after, describe, test } from 'node:test';
import OpenAI from 'openai';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { BACKENDS, createPostgresDatabase } from '../helpers/backends.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';

// The whole server is killed with SIGKILL mid-training and started again on
// the same data directory: the job must resume from its last checkpoint and
// finish, never stay "running" forever, and lose none of its history.

const trainerPids = (runDirMarker: string): number[] => {
  try {
    return execFileSync('pgrep', ['-f', runDirMarker]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

for (const backend of BACKENDS) {
  describe(`on ${backend}`, () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    after(() => Promise.all(cleanups.map((c) => c())));

    test('a job survives SIGKILL of the whole server and resumes from its last checkpoint', async () => {
      const dataDir = await tempDir('crash');
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      // Postgres may be shared by several servers, so a restarted one waits for the
      // dead one's lease to expire (kept short here); SQLite's sole server recovers at once.
      const env: Record<string, string> = {};
      if (backend === 'postgres') {
        const database = await createPostgresDatabase();
        cleanups.push(database.drop);
        Object.assign(env, { SELFTUNE_DATABASE_URL: database.url, SELFTUNE_LEASE_SECONDS: '3', SELFTUNE_HEARTBEAT_SECONDS: '0.5' });
      }
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 });

      let server = spawnServer(dataDir, port, env);
      await waitForHealth(url);
      const { training } = await uploadDemo(client);
      const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 5 });
      await waitForStep(client, job.id, 30); // past the first epoch's checkpoint (step 24)

      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      // The trainer notices its parent is gone and stops by itself.
      await waitUntil(() => trainerPids(`${dataDir}/runs/`).length === 0, { what: 'the orphaned trainer to exit' });

      server = spawnServer(dataDir, port, env);
      try {
        await waitForHealth(url);
        const done = await waitForJob(client, job.id, isFinished);
        assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
        const events = await allEvents(client, job.id);
        const lost = events.find((e) => /^The server running this job stopped at step \d+; the job is queued again/.test(e.message));
        assert.ok(lost, 'the recovery is recorded');
        assert.equal(lost.level, 'warn');
        assert.ok(!events.some((e) => /recovery \d+ of/.test(e.message)), 'a server restart spends none of the job\'s recoveries');
        const steps = events.filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);
        assert.equal(steps.at(-1), 96);
        const resumedAt = events.find((e) => /resuming from step (\d+)/.test(e.message));
        assert.ok(resumedAt, 'the trainer resumed from a checkpoint');
        const from = Number(/resuming from step (\d+)/.exec(resumedAt.message)![1]);
        assert.ok(from >= 24, `resumed from step ${from}, not from scratch`);
        // History before the crash is still there.
        assert.ok(events[0]!.message.startsWith('Created fine-tuning job'));
        const csv = Buffer.from(await (await client.files.content(done.result_files[0]!)).text(), 'base64').toString();
        assert.equal(csv.trim().split('\n').length, 1 + 96, 'one CSV row per step, repeated steps counted once');
        assert.deepEqual(steps, Array.from({ length: 96 }, (_, i) => i + 1), 'one metrics event per step: replayed steps are not recorded again');
      } finally {
        server.kill('SIGTERM');
        await new Promise((r) => server.once('exit', r));
      }
    });
  });
}

test('SIGTERM checkpoints the running job and hands it back to the queue; the next start finishes it', async () => {
  const dataDir = await tempDir('sigterm');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 });
  let server = spawnServer(dataDir, port);
  try {
    await waitForHealth(url);
    const { training } = await uploadDemo(client);
    const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 9 });
    await waitForStep(client, job.id, 10);
    server.kill('SIGTERM');
    const code = await new Promise((r) => server.once('exit', r));
    assert.equal(code, 0, 'a clean exit');
    assert.deepEqual(trainerPids(`${dataDir}/runs/`), [], 'the trainer stopped with the server');

    server = spawnServer(dataDir, port);
    await waitForHealth(url);
    const done = await waitForJob(client, job.id, isFinished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const events = await allEvents(client, job.id);
    const handedBack = events.find((e) => /^The server is shutting down; the job will resume from step (\d+)$/.test(e.message));
    assert.ok(handedBack, events.map((e) => e.message).join('\n'));
    const from = Number(/step (\d+)$/.exec(handedBack.message)![1]);
    assert.ok(from >= 10, `checkpointed at step ${from}`);
    const steps = events.filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);
    assert.deepEqual(steps, Array.from({ length: 96 }, (_, i) => i + 1), 'no step lost or repeated: the pause checkpoint is exact');
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    await rm(dataDir, { recursive: true, force: true });
  }
});
