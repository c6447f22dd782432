import assert from 'node:assert/strict';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startServer } from '../helpers/server.ts';
import { mountSmallDisk } from '../helpers/small-disk.ts';
import { trainers, until } from './processes.ts';
import { LONG_WAIT_MS } from '../helpers/wait.ts';

// The data directory is a real, small filesystem (tmpfs) that fills up while a
// job trains. Whichever write hits the full disk first — the trainer's next
// checkpoint or the server's record of a step — the job fails with an error
// naming disk space; it never stays `running`. (Chosen: fail, not wait: a job
// cannot know when space comes back, and it resumes nowhere else.) A failure
// the server cannot write yet is retried until it lands.

/** Writes zeros until the filesystem refuses (ENOSPC), then gives back `leaveBytes`; returns the filler's path. */
async function fillDisk(dir: string, leaveBytes: number): Promise<string> {
  const path = join(dir, 'filler.bin');
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (;;) await file.write(chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  if (leaveBytes) await file.truncate(Math.max(0, (await file.stat()).size - leaveBytes));
  await file.close();
  return path;
}

for (const { leaveMb, writer } of [
  { leaveMb: 0, writer: 'the server (its database) or the trainer' },
  { leaveMb: 4, writer: 'the trainer (its checkpoint), while the database still has room' },
]) {
  test(`a job whose disk fills up fails with an error naming disk space, never stuck running (${leaveMb} MB left: ${writer} hits it)`, async (t) => {
    const disk = await mountSmallDisk(96 * 1024 * 1024);
    if ('skip' in disk) {
      t.skip(disk.skip);
      return;
    }
    const server = await startServer({ dataDir: disk.dir, trainerStandby: 'false' });
    try {
      const { client } = server;
      const { training } = await uploadDemo(client);
      const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 41 });
      await waitForStep(client, job.id, 3);
      const filler = await fillDisk(disk.dir, leaveMb * 1024 * 1024);
      // The trainer stops: its checkpoint (step 24 at the latest) failed, or the server could no longer record it.
      await until(() => trainers(process.pid).length === 0, 'the trainer stops on the full disk', LONG_WAIT_MS, 250);
      const seen = await client.fineTuning.jobs.retrieve(job.id); // reads keep working on a full disk
      t.diagnostic(`with the disk full the job reads as ${seen.status}`);
      if (leaveMb > 0) {
        // The failed checkpoint's partial files are removed, so the failure is written at once.
        await waitForJob(client, job.id, isFinished);
      }
      await rm(filler); // space again: a failure still waiting to be written lands now
      const done = await waitForJob(client, job.id, isFinished);
      t.diagnostic(`error: ${JSON.stringify(done.error)}`);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, 'disk_full', JSON.stringify(done.error));
      assert.match(done.error!.message, /space/i);
      const messages = (await allEvents(client, job.id)).map((e) => e.message);
      assert.ok(messages[0]!.startsWith('Created fine-tuning job'), 'the history before the failure is kept');
      assert.ok(messages.some((m) => /^Step 3\/96/.test(m)), messages.join('\n'));
    } finally {
      await server.close();
      await disk.unmount();
    }
  });
}
