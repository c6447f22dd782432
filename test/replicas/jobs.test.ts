import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { type Replica, type ReplicaSet, startReplicas } from '../helpers/replicas.ts';
import { waitUntil } from '../helpers/wait.ts';

// Two `selftune serve` processes on one Postgres and one bucket, each running
// one job at a time: work created through either is shared between them, each
// job is claimed by one scheduler only, and a request made through one
// replica reaches the job where it runs.

let set: ReplicaSet;
before(async () => (set = await startReplicas(2)));
after(() => set?.close());

const other = (r: Replica) => set.replicas.find((x) => x !== r)!;

test('jobs created on A while A and B run: each succeeds, claimed and started once', async (t) => {
  const [a] = set.replicas;
  const { training } = await uploadDemo(a!.client);
  const jobs = await Promise.all([1, 2, 3].map((seed) => a!.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 }, seed })));

  // Who holds each job's lease while it runs, sampled until all are done: one holder per job.
  const holders = new Map<string, Set<string>>(jobs.map((j) => [j.id, new Set()]));
  await waitUntil(async () => {
    const now = await Promise.all(jobs.map((j) => a!.client.fineTuning.jobs.retrieve(j.id)));
    for (const j of now.filter((x) => x.status === 'running')) {
      const holder = await set.holderOf(j.id);
      if (holder) holders.get(j.id)!.add(holder.name);
    }
    return now.every(isFinished);
  }, { intervalMs: 200, what: 'the three jobs to finish' });

  for (const job of jobs) {
    const done = await waitForJob(a!.client, job.id, isFinished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const events = await allEvents(a!.client, job.id);
    assert.equal(events.filter((e) => e.message === 'Fine-tuning job started').length, 1, 'one started event');
    assert.ok(!events.some((e) => e.message === 'Fine-tuning job resumed'), 'never claimed again');
    assert.equal(events.filter((e) => e.message.startsWith('Training selftune-tiny on ')).length, 1, 'one trainer start');
    assert.ok(holders.get(job.id)!.size <= 1, `job ${job.id} held by ${[...holders.get(job.id)!].join(' and ')}`);
    t.diagnostic(`${job.id} ran on ${[...holders.get(job.id)!].join('') || '(not sampled while running)'}`);
  }
});

test('a job created through a busy replica is taken by the idle one, and a cancel through either reaches the replica running the job', async () => {
  const [a] = set.replicas;
  const { training } = await uploadDemo(a!.client);
  const long = { model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 50 } } as const;
  const first = await a!.client.fineTuning.jobs.create({ ...long, seed: 11 });
  await waitForStep(a!.client, first.id, 1);
  const busy = await waitUntil(() => set.holderOf(first.id), { what: `a replica to hold ${first.id}` });
  const idle = other(busy);

  // Created through the busy replica (its one slot is taken): only the idle one can start it.
  const second = await busy.client.fineTuning.jobs.create({ ...long, seed: 12 });
  await waitForStep(busy.client, second.id, 1);
  assert.equal((await set.holderOf(second.id))?.name, idle.name, 'the idle replica took the job');

  // Each cancel goes through the replica that does not run the job: the runner reads it on its lease renewal.
  await idle.client.fineTuning.jobs.cancel(first.id);
  await busy.client.fineTuning.jobs.cancel(second.id);
  for (const [job, runner] of [[first, busy], [second, idle]] as const) {
    const done = await waitForJob(a!.client, job.id, isFinished);
    assert.equal(done.status, 'cancelled');
    // The status is written just before its event: wait for the event rather than read once.
    const events = await waitUntil(async () => {
      const all = await allEvents(a!.client, job.id);
      return all.some((e) => /cancelled/i.test(e.message) && e.message !== 'Cancellation requested') && all;
    }, { what: `the cancelled event of ${job.id}` });
    assert.ok(events.some((e) => /^Fine-tuning job cancelled at step \d+$/.test(e.message)), `${runner.name}'s trainer stopped on the request: ${events.slice(-3).map((e) => e.message).join(' | ')}`);
    assert.ok(!events.some((e) => /stopped at step \d+; the job is queued again/.test(e.message)), 'the runner never lost it');
  }
});
