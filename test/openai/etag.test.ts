import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecordId } from '../../src/ids/ids.ts';
import { BACKENDS, createPostgresDatabase } from '../helpers/backends.ts';
import { isFinished, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createTenant } from '../helpers/tenants.ts';
import { waitUntil } from '../helpers/wait.ts';

// Cheap polling: every job read answers with an ETag; sent back in
// If-None-Match it gets a bodiless 304 until the answer would change (a status
// change, a new event, a new checkpoint), in both dialects. The SDKs send no
// If-None-Match and keep getting whole answers; another project's key gets a
// 404 whatever tag it sends.

async function get(t: TestServer, key: string, path: string, etag?: string) {
  const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}`, accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}) } });
  return { status: res.status, etag: res.headers.get('etag'), headers: res.headers, body: await res.text() };
}

/** The path's answer and tag now, and proof that sending the tag back gets a bodiless 304. */
async function revalidates(t: TestServer, key: string, path: string): Promise<string> {
  const first = await get(t, key, path);
  assert.equal(first.status, 200, `${path}: ${first.body}`);
  assert.match(first.etag ?? '', /^W\/".+"$/, `${path} has an ETag`);
  assert.equal(first.headers.get('cache-control'), 'private, no-cache');
  assert.match(first.headers.get('vary') ?? '', /authorization/i);
  const again = await get(t, key, path, first.etag!);
  assert.equal(again.status, 304, `${path} unchanged`);
  assert.equal(again.body, '');
  assert.equal(again.etag, first.etag);
  return first.etag!;
}

/** Waits until the path answers 200 to `etag` with another tag (what changed reached it). */
const changes = (t: TestServer, key: string, path: string, etag: string) =>
  waitUntil(async () => {
    const res = await get(t, key, path, etag);
    return res.status === 200 && res.etag !== etag && res;
  }, { what: `${path} to change` });

for (const backend of BACKENDS) {
  test(`ETags on job reads: 304 while unchanged, 200 after a change, never across projects (${backend})`, async () => {
    const database = backend === 'postgres' ? await createPostgresDatabase() : null;
    const t = await startServer(database ? { databaseUrl: database.url } : {});
    try {
      const a = await createTenant(t);
      const b = await createTenant(t);
      const { training } = await uploadDemo(a.client);
      const job = await a.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 20 }, seed: 5 });
      await waitForStep(a.client, job.id, 30);
      await a.client.fineTuning.jobs.pause(job.id);
      await waitForJob(a.client, job.id, (j) => (j.status as string) === 'paused' || isFinished(j));

      // A paused job stands still: every read revalidates.
      const paths = {
        job: `/v1/fine_tuning/jobs/${job.id}`,
        events: `/v1/fine_tuning/jobs/${job.id}/events?limit=5`,
        metrics: `/v1/fine_tuning/jobs/${job.id}/events?type=metrics&limit=1`,
        checkpoints: `/v1/fine_tuning/jobs/${job.id}/checkpoints`,
        list: '/v1/fine_tuning/jobs?limit=20',
        mistralJob: `/mistral/v1/fine_tuning/jobs/${parseRecordId('job', job.id)}`,
        mistralList: '/mistral/v1/fine_tuning/jobs',
      };
      const tags = {} as Record<keyof typeof paths, string>;
      for (const [name, path] of Object.entries(paths)) tags[name as keyof typeof paths] = await revalidates(t, a.key, path);
      assert.equal(new Set(Object.values(tags)).size, Object.keys(tags).length, 'each answer has its own tag (path, query and dialect)');

      // Another project: its own list never matches, and a job it cannot see is a 404 whatever tag it sends.
      assert.equal((await get(t, b.key, paths.job, tags.job)).status, 404);
      assert.equal((await get(t, b.key, paths.events, tags.events)).status, 404);
      assert.equal((await get(t, b.key, paths.checkpoints, tags.checkpoints)).status, 404);
      assert.equal((await get(t, b.key, paths.mistralJob, tags.mistralJob)).status, 404);
      const otherList = await get(t, b.key, paths.list, tags.list);
      assert.equal(otherList.status, 200);
      assert.deepEqual(JSON.parse(otherList.body).data, []);
      // A query that is refused is refused, tag or not.
      assert.equal((await get(t, a.key, `/v1/fine_tuning/jobs/${job.id}/events?limit=0`, tags.events)).status, 400);

      // A status change: the job and the lists change; the SDK, sending no tag, reads the whole job.
      await a.client.fineTuning.jobs.resume(job.id);
      const resumed = await changes(t, a.key, paths.job, tags.job);
      assert.notEqual(JSON.parse(resumed.body).status, 'paused');
      await changes(t, a.key, paths.list, tags.list);
      await changes(t, a.key, paths.mistralList, tags.mistralList);
      // New events (the resume's message, then metrics) and a new checkpoint as training goes on.
      await changes(t, a.key, paths.events, tags.events);
      const metrics = await changes(t, a.key, paths.metrics, tags.metrics);
      assert.equal(JSON.parse(metrics.body).data[0].type, 'metrics');
      await changes(t, a.key, paths.mistralJob, tags.mistralJob);
      const checkpoints = await changes(t, a.key, paths.checkpoints, tags.checkpoints);
      assert.ok(JSON.parse(checkpoints.body).data.length > 0);
      const sdkJob = await a.client.fineTuning.jobs.retrieve(job.id);
      assert.equal(sdkJob.id, job.id);
      await a.client.fineTuning.jobs.cancel(job.id);
      const done = await waitForJob(a.client, job.id, isFinished);
      // Finished, it stands still again.
      await revalidates(t, a.key, paths.job);
      assert.equal(JSON.parse((await get(t, a.key, paths.job)).body).status, done.status);
    } finally {
      await t.close();
      await database?.drop();
    }
  });
}
