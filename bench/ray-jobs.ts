// Jobs on Ray: wall time of N small jobs (selftune-tiny, one epoch) on one Ray
// worker node vs two (one CPU each, SELFTUNE_MAX_CONCURRENT_JOBS=2), and the time
// from create to the first training step through Ray vs the local executor.
// Real engines: a local Ray cluster, s3rver, SQLite.
//
//   node --import tsx bench/ray-jobs.ts [jobs=20]
import type OpenAI from 'openai';
import { isFinished, uploadDemo, waitForJob } from '../test/helpers/jobs.ts';
import { startRayCluster } from '../test/helpers/ray-cluster.ts';
import { startS3Server, type TestS3 } from '../test/helpers/s3-server.ts';
import { startServer, type TestServer } from '../test/helpers/server.ts';
import { waitUntil } from '../test/helpers/wait.ts';

const JOBS = Number(process.argv[2] ?? 20);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function firstStepMs(client: OpenAI, trainingFile: string): Promise<number> {
  const created = Date.now();
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: trainingFile, hyperparameters: { n_epochs: 1 } });
  await waitUntil(async () => (await client.fineTuning.jobs.listEvents(job.id, { limit: 50 })).data.some((e) => e.type === 'metrics'), { intervalMs: 50, what: 'the first step' });
  const ms = Date.now() - created;
  await waitForJob(client, job.id, isFinished);
  return ms;
}

async function onRay(s3: TestS3, workers: number, run: (t: TestServer, file: string) => Promise<void>) {
  const ray = await startRayCluster(workers, s3.env);
  const t = await startServer({ rayAddress: ray.address, blobUrl: s3.blobUrl(), maxConcurrentJobs: 2 }, { awsEnv: s3.env });
  try {
    const { training } = await uploadDemo(t.client);
    await run(t, training.id);
  } finally {
    await t.close();
    await ray.close();
  }
}

async function manyJobs(t: TestServer, file: string): Promise<number> {
  const start = Date.now();
  const jobs = await Promise.all(Array.from({ length: JOBS }, (_, i) =>
    t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file, hyperparameters: { n_epochs: 1 }, seed: i })));
  for (const job of jobs) {
    const done = await waitForJob(t.client, job.id, isFinished);
    if (done.status !== 'succeeded') throw new Error(`${job.id}: ${done.status} ${JSON.stringify(done.error)}`);
  }
  return Date.now() - start;
}

const s3 = await startS3Server();
try {
  const results: Record<string, string> = {};
  for (const workers of [1, 2]) {
    await onRay(s3, workers, async (t, file) => {
      if (workers === 1) results['create → first step, Ray (s)'] = seconds(await firstStepMs(t.client, file));
      results[`${JOBS} jobs on ${workers} Ray node(s), wall (s)`] = seconds(await manyJobs(t, file));
    });
  }
  const local = await startServer({ trainerStandby: 'true' });
  try {
    const { training } = await uploadDemo(local.client);
    results['create → first step, local (s)'] = seconds(await firstStepMs(local.client, training.id));
  } finally {
    await local.close();
  }
  console.log(JSON.stringify(results, null, 2));
} finally {
  await s3.close();
}
