import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { type ReplicaSet, startReplicas } from '../helpers/replicas.ts';
import { waitUntil } from '../helpers/wait.ts';
import { descendants, isAlive } from '../faults/processes.ts';

// The replica running a job is SIGKILLed: once its lease runs out, the other
// replica takes the job and resumes it from its last checkpoint in the bucket
// (its own data directory never had it), and the dead replica's trainer
// notices its parent is gone and exits.

let set: ReplicaSet;
before(async () => (set = await startReplicas(2)));
after(() => set?.close());

test('a SIGKILLed replica\'s job is finished by the other from its last checkpoint in the bucket', async (t) => {
  const [a] = set.replicas;
  const { training } = await uploadDemo(a!.client);
  const job = await a!.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 5 });
  await waitForStep(a!.client, job.id, 30); // past the first epoch's checkpoint (step 24)
  const victim = await waitUntil(() => set.holderOf(job.id), { what: `a replica to hold ${job.id}` });
  const survivor = set.replicas.find((r) => r !== victim)!;
  const trainers = descendants(victim.process.pid!).filter((p) => /selftune_trainer train\b/.test(p.args));
  assert.ok(trainers.length > 0, 'the job\'s trainer runs under the replica holding it');

  await victim.kill();
  const killedAt = Date.now();
  await waitUntil(() => trainers.every((p) => !isAlive(p.pid)), { what: 'the killed replica\'s trainers to exit' });

  const done = await waitForJob(survivor.client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  assert.equal((await set.holderOf(job.id)), null, 'the lease is released');
  const events = await allEvents(survivor.client, job.id);
  assert.ok(events.some((e) => /^The server running this job stopped at step \d+; the job is queued again/.test(e.message)), 'the takeover is recorded');
  const resumed = events.find((e) => /resuming from step (\d+)/.test(e.message));
  assert.ok(resumed, 'the survivor\'s trainer resumed from a checkpoint');
  const from = Number(/resuming from step (\d+)/.exec(resumed.message)![1]);
  assert.ok(from >= 24, `resumed from step ${from}, not from scratch`);
  const restarted = events.filter((e) => e.message === 'Fine-tuning job resumed');
  assert.equal(restarted.length, 1, 'claimed again once, by the survivor');
  const resumedAt = restarted[0]!.created_at * 1000;
  t.diagnostic(`${victim.name} killed; ${survivor.name} resumed from step ${from}, ${((resumedAt - killedAt) / 1000).toFixed(1)} s after the kill (lease ${set.env.SELFTUNE_LEASE_SECONDS} s)`);
  const steps = events.filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);
  assert.deepEqual(steps, Array.from({ length: 96 }, (_, i) => i + 1), 'every step recorded once');
});
