import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { allEvents, isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startRayCluster, type TestRayCluster } from '../helpers/ray-cluster.ts';
import { startS3Server, type TestS3 } from '../helpers/s3-server.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';
import Sqlite from 'better-sqlite3';
import { dataPaths } from '../../src/config/paths.ts';
import { descendants, isAlive } from '../faults/processes.ts';
import { parseRecordId } from '../../src/ids/ids.ts';

// Jobs on a real local Ray cluster (a head and two one-CPU worker nodes), with
// a real S3 server (s3rver) as the only way between the server and the trainers.

let s3: TestS3;
let ray: TestRayCluster;
let t: TestServer;

before(async () => {
  s3 = await startS3Server();
  // The nodes hold the object store's credentials; the endpoint and bucket come with each job's spec.
  ray = await startRayCluster(2, s3.env);
  t = await startServer({ rayAddress: ray.address, blobUrl: s3.blobUrl(), maxConcurrentJobs: 2 }, { awsEnv: s3.env });
});
after(async () => {
  await t?.close();
  await ray?.close();
  await s3?.close();
});

const nodeEvents = async (id: string) =>
  (await allEvents(t.client, id)).filter((e) => e.message.startsWith('Training runs on Ray node')).map((e) => (e.data as { ray_node_id: string }).ray_node_id);

const stepsOf = async (id: string) =>
  (await allEvents(t.client, id)).filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step);

/** The job's own id (what the runner protocol uses) for an SDK id `ftjob-…`. */
const uuid = (sdkId: string) => parseRecordId('job', sdkId)!;

/** The remote runner process of a job on this machine's Ray nodes, and the runner token it was handed. */
function runnerOf(sdkId: string): { pid: number; token: string } | null {
  const jobId = uuid(sdkId);
  const ps = execFileSync('ps', ['-eo', 'pid=,args=']).toString().split('\n');
  const line = ps.find((l) => l.includes('selftune_trainer remote') && l.includes(`--job ${jobId}`));
  if (!line) return null;
  const pid = Number(line.trim().split(/\s+/)[0]);
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    const token = environ.find((v) => v.startsWith('SELFTUNE_RUNNER_TOKEN='))?.slice('SELFTUNE_RUNNER_TOKEN='.length);
    return token ? { pid, token } : null;
  } catch {
    return null; // it just ended
  }
}

const get = (path: string, token: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const post = (path: string, token: string, body: unknown) =>
  fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('jobs created through the OpenAI SDK train on Ray nodes, and a runner token opens only its own job\'s runner routes', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const jobs = await Promise.all([1, 2].map((seed) => client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 3 }, seed })));
  const [a, b] = jobs as [typeof jobs[0], typeof jobs[0]];
  // The runner lives from its task's start to the trainer's end; its token is read while it runs.
  const runner = await waitUntil(() => runnerOf(a.id), { intervalMs: 100, what: `the remote runner of ${a.id}` });

  assert.equal((await get(`/runner/v1/jobs/${uuid(a.id)}/spec`, runner.token)).status, 200, 'its own spec');
  const spec = (await (await get(`/runner/v1/jobs/${uuid(a.id)}/spec`, runner.token)).json()) as { object_store: { bucket: string } };
  assert.equal(spec.object_store.bucket, s3.bucket);
  assert.equal((await get(`/runner/v1/jobs/${uuid(b.id)}/spec`, runner.token)).status, 401, 'another job\'s spec');
  assert.equal((await post(`/runner/v1/jobs/${uuid(b.id)}/events`, runner.token, { first_seq: 0, events: [] })).status, 401, 'another job\'s events');
  assert.equal((await post(`/runner/v1/jobs/${uuid(b.id)}/exit`, runner.token, { code: 0, signal: null, stderr_tail: '', events: 0 })).status, 401, 'another job\'s exit');
  for (const path of ['/v1/models', '/v1/fine_tuning/jobs', `/v1/fine_tuning/jobs/${a.id}`, '/v1/files', '/mistral/v1/fine_tuning/jobs', '/mistral/v1/models']) {
    const response = await get(path, runner.token);
    assert.equal(response.status, 401, `${path} with a runner token`);
  }
  assert.equal((await get(`/runner/v1/jobs/${uuid(a.id)}/spec`, 'not-a-runner-token')).status, 401, 'an API-style key on the runner routes');

  for (const job of jobs) {
    const done = await waitForJob(client, job.id, isFinished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.match(done.fine_tuned_model!, /^ft:selftune-tiny:/);
    assert.equal((await nodeEvents(job.id)).length, 1, 'the node it ran on is named');
  }
  assert.equal((await get(`/runner/v1/jobs/${uuid(a.id)}/spec`, runner.token)).status, 401, 'the token ends with its run');
});

test('a job cancelled through the API stops its trainer on the node, and its token stops working', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 20 }, seed: 3 });
  const runner = await waitUntil(() => runnerOf(job.id), { intervalMs: 100, what: `the remote runner of ${job.id}` });
  await waitForStep(client, job.id, 2);
  await client.fineTuning.jobs.cancel(job.id);
  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'cancelled');
  await waitUntil(() => runnerOf(job.id) === null, { what: `the remote runner of ${job.id} to end` });
  assert.equal((await get(`/runner/v1/jobs/${uuid(job.id)}/spec`, runner.token)).status, 401);
});

test('a runner whose token is revoked kills its trainer and stops; the job resumes in a new run', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 3 }, seed: 4 });
  const runner = await waitUntil(() => runnerOf(job.id), { intervalMs: 100, what: `the remote runner of ${job.id}` });
  await waitForStep(client, job.id, 2);
  const trainer = descendants(runner.pid).find((p) => /selftune_trainer train\b/.test(p.args));
  assert.ok(trainer, 'the runner runs the trainer');
  const db = new Sqlite(dataPaths(t.dataDir).database);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('DELETE FROM runner_tokens WHERE job_id = ?').run(uuid(job.id));
  } finally {
    db.close();
  }
  await waitUntil(() => !isAlive(runner.pid) && !isAlive(trainer.pid), { what: 'the runner and its trainer to stop' });
  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const messages = (await allEvents(client, job.id)).map((e) => e.message);
  assert.ok(messages.some((m) => /queued again and resumes from its last checkpoint \(recovery 1 of 3\)/.test(m)), messages.join('\n'));
});

test('a Ray worker node SIGKILLed mid-job: the job resumes on the other node from its checkpoint in object storage', async () => {
  const { client } = t;
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 4 }, seed: 11 });
  await waitForStep(client, job.id, 30); // past the first epoch's checkpoint (step 24), uploaded before its event
  const [first] = await nodeEvents(job.id);
  const runner = runnerOf(job.id);
  assert.ok(runner, 'the runner is on this machine');
  // The node running the job is the one whose processes include its runner.
  const node = ray.workers.find((w) => descendants(w.child.pid!).some((p) => p.pid === runner.pid));
  assert.ok(node, `a test node runs the runner (${runner.pid})`);
  await ray.killWorker(node);

  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const events = await allEvents(client, job.id);
  const messages = events.map((e) => e.message);
  const died = messages.find((m) => /^The training worker stopped unexpectedly at step \d+ \(signal SIGKILL\)/.test(m));
  assert.ok(died, messages.join('\n'));
  assert.match(died, /\(signal SIGKILL\)\. The Ray node \w+ \(\S+\) died or lost the task \(NodeDiedError: [^)]*\)\. The job is queued again/, 'the lost node is named');
  assert.doesNotMatch(died, /out-of-memory/, 'a lost node is no memory kill');
  assert.ok(messages.some((m) => /resumes from its last checkpoint \(recovery 1 of 3\)/.test(m)), messages.join('\n'));
  const resumed = messages.find((m) => /resuming from step (\d+)/.test(m));
  assert.ok(resumed && Number(/resuming from step (\d+)/.exec(resumed)![1]) >= 24, `resumed from the bucket's checkpoint: ${resumed}`);
  const nodes = await nodeEvents(job.id);
  assert.equal(nodes.length, 2);
  assert.equal(nodes[0], first);
  assert.notEqual(nodes[1], first, 'the second run is on the other node');
  assert.deepEqual(await stepsOf(job.id), Array.from({ length: 96 }, (_, i) => i + 1), 'every step recorded once');
});
