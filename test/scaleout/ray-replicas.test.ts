import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { parseRecordId } from '../../src/ids/ids.ts';
import { descendants, isAlive } from '../faults/processes.ts';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startRayCluster, type TestRayCluster } from '../helpers/ray-cluster.ts';
import { type Replica, type ReplicaSet, startReplicas } from '../helpers/replicas.ts';
import { waitUntil } from '../helpers/wait.ts';

// The whole scale-out picture at once: two `selftune serve` replicas on one
// Postgres and one s3rver bucket, both submitting to one local Ray cluster (a
// head and two one-CPU worker nodes). Each replica's runner URL is its own
// address (the default), so a job's runner reports to the replica holding it.

let ray: TestRayCluster;
let set: ReplicaSet;

before(async () => {
  // The nodes hold only the store's credentials: endpoint, bucket and prefix come with each job's spec.
  ray = await startRayCluster(2, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
  set = await startReplicas(2, { env: { SELFTUNE_RAY_ADDRESS: ray.address, SELFTUNE_MAX_CONCURRENT_JOBS: '2' } });
});
after(async () => {
  await set?.close();
  await ray?.close();
});

const replica = (name: string) => set.replicas.find((r) => r.name === name)!;
const uuid = (sdkId: string) => parseRecordId('job', sdkId)!;

const rayNodesOf = async (r: Replica, id: string) =>
  (await allEvents(r.client, id)).filter((e) => e.message.startsWith('Training runs on Ray node')).map((e) => (e.data as { ray_node_id: string }).ray_node_id);

/** The remote runner of a job on this machine's Ray nodes. */
function runnerPid(sdkId: string): number | null {
  const line = execFileSync('ps', ['-eo', 'pid=,args=']).toString().split('\n')
    .find((l) => l.includes('selftune_trainer remote') && l.includes(`--job ${uuid(sdkId)}`));
  return line ? Number(line.trim().split(/\s+/)[0]) : null;
}

async function chat(r: Replica, model: string) {
  const res = await r.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'What colour is the sky?' }], temperature: 0, max_tokens: 24, seed: 3 });
  return res.choices[0]!.message.content;
}

test('jobs created on A train on Ray nodes and succeed; the model answers identically through A and B', async () => {
  const a = replica('A');
  const b = replica('B');
  const { training } = await uploadDemo(a.client);
  const jobs = await Promise.all([1, 2].map((seed) => a.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 }, seed })));
  const models: string[] = [];
  for (const created of jobs) {
    const done = await waitForJob(a.client, created.id, isFinished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const nodes = await rayNodesOf(b, created.id);
    assert.equal(nodes.length, 1, 'the Ray node it ran on is named (read through B)');
    models.push(done.fine_tuned_model!);
  }
  const [model] = models as [string];
  const fromA = await chat(a, model);
  assert.ok(fromA);
  assert.equal(await chat(b, model), fromA);
});

test('the replica holding a job on Ray is SIGKILLed: its driver, runner and trainer go away, and the other replica finishes the job on Ray from its checkpoint', async (t) => {
  const a = replica('A');
  const { training } = await uploadDemo(a.client);
  const job = await a.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 5 });
  await waitForStep(a.client, job.id, 30); // past the first epoch's checkpoint (step 24), uploaded before its event
  const victim = await waitUntil(() => set.holderOf(job.id), { what: `a replica to hold ${job.id}` });
  const survivor = set.replicas.find((r) => r !== victim)!;
  const driver = descendants(victim.process.pid!).find((p) => /selftune_trainer ray-driver\b/.test(p.args));
  assert.ok(driver, `${victim.name} runs a Ray driver`);
  const runner = runnerPid(job.id);
  assert.ok(runner, 'the job\'s remote runner runs on a Ray node');
  const trainer = descendants(runner).find((p) => /selftune_trainer train\b/.test(p.args));
  assert.ok(trainer, 'the runner runs the trainer');
  const [firstNode] = await rayNodesOf(survivor, job.id);

  await victim.kill();
  await waitUntil(() => !isAlive(driver.pid), { what: `${victim.name}'s Ray driver to exit` });
  // Well before the runner's own 60 s unreachable limit: Ray stops the dead driver's task, and the trainer dies with its runner.
  await waitUntil(() => !isAlive(runner) && !isAlive(trainer.pid), { timeoutMs: 30_000, what: 'the dead replica\'s runner and trainer to exit' });

  const done = await waitForJob(survivor.client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const events = await allEvents(survivor.client, job.id);
  const messages = events.map((e) => e.message);
  assert.ok(messages.some((m) => /^The server running this job stopped at step \d+; the job is queued again/.test(m)), messages.join('\n'));
  const resumed = messages.find((m) => /resuming from step (\d+)/.test(m));
  const from = resumed ? Number(/resuming from step (\d+)/.exec(resumed)![1]) : -1;
  assert.ok(from >= 24, `resumed from the bucket's checkpoint: ${resumed}`);
  assert.equal(messages.filter((m) => m === 'Fine-tuning job resumed').length, 1, 'claimed again once, by the survivor');
  const nodes = await rayNodesOf(survivor, job.id);
  assert.equal(nodes.length, 2, 'both runs ran on Ray');
  assert.equal(nodes[0], firstNode);
  const steps = events.filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);
  assert.deepEqual(steps, Array.from({ length: 96 }, (_, i) => i + 1), 'every step recorded once');
  t.diagnostic(`${victim.name} killed at step >= 30; ${survivor.name} resumed from step ${from} on Ray node ${nodes[1]}`);
});
