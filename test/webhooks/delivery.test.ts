import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type OpenAI from 'openai';
import { type Backend, BACKENDS } from '../helpers/backends.ts';
import { isFinished, upload, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { createTenant } from '../helpers/tenants.ts';
import { LONG_WAIT_MS, SHORT_WAIT_MS, sleep, waitUntil } from '../helpers/wait.ts';
import { serverOn } from './backend-server.ts';
import { Receiver } from './receiver.ts';

// Terminal job events reach every endpoint that subscribes, signed so that the
// openai SDK's unwrap() accepts them, once each, retried while the receiver fails.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.splice(0).reverse().map((c) => c())));

const DEPLOYMENT_SECRET = `whsec_${Buffer.from('a deployment-wide secret, 32 b!!').toString('base64')}`;
const TOO_FEW_EXAMPLES = Array.from({ length: 3 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] })).join('\n');

/** A server whose deployment-wide endpoint is `receiverUrl`, retrying after 0.2 s, 0.4 s, … */
const serverWith = (backend: Backend, receiverUrl: string) =>
  serverOn(backend, { webhookUrl: receiverUrl, webhookSecret: DEPLOYMENT_SECRET, webhookRetryBaseSeconds: 0.2 }, cleanups);

async function startReceiver(secret = ''): Promise<Receiver> {
  const receiver = await new Receiver(secret).start();
  cleanups.push(() => receiver.close());
  return receiver;
}

/** A job that fails in validation (too few examples) and one cancelled at once: two terminal events in seconds. */
async function failAndCancel(client: OpenAI) {
  const bad = await upload(client, TOO_FEW_EXAMPLES);
  const failed = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: bad.id });
  const { training } = await uploadDemo(client);
  const cancelled = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id });
  await client.fineTuning.jobs.cancel(cancelled.id);
  await waitForJob(client, failed.id, isFinished);
  return { failed: failed.id, cancelled: cancelled.id };
}

const eventsOf = (r: Receiver) => r.accepted.map((x) => `${x.event.type} ${x.subject}`).sort();

for (const backend of BACKENDS) {
  describe(`webhook delivery (${backend})`, () => {
    test('a succeeded, a failed and a cancelled job: each event once, verified, retried through 500s', async () => {
      const project = await startReceiver();
      const deployment = await startReceiver(DEPLOYMENT_SECRET);
      const t = await serverWith(backend, deployment.url);
      const { client } = await createTenant(t);
      const endpoint = await client.webhooks.create({ name: 'ci', url: project.url, event_types: ['fine_tuning.job.succeeded', 'fine_tuning.job.failed', 'fine_tuning.job.cancelled'] });
      project.secret = endpoint.signing_secret;
      project.failFirst = 3; // the first three requests are answered 500

      const { training } = await uploadDemo(client);
      const succeeded = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 } });
      const { failed, cancelled } = await failAndCancel(client);
      const done = await waitForJob(client, succeeded.id, isFinished);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));

      const expected = [`fine_tuning.job.cancelled ${cancelled}`, `fine_tuning.job.failed ${failed}`, `fine_tuning.job.succeeded ${succeeded.id}`].sort();
      for (const receiver of [project, deployment]) {
        await waitUntil(() => receiver.accepted.length >= 3, { timeoutMs: SHORT_WAIT_MS, what: () => `3 events, got ${JSON.stringify(eventsOf(receiver))}` });
      }
      // Nothing more comes after each event's 2xx: a retry would show up here.
      await sleep(3_000);
      for (const receiver of [project, deployment]) {
        assert.deepEqual(receiver.rejected, [], 'every request verifies with unwrap()');
        assert.deepEqual(eventsOf(receiver), expected);
        const ids = receiver.accepted.map((r) => r.webhookId);
        assert.equal(new Set(ids).size, 3, 'one 2xx per event');
        for (const r of receiver.accepted) assert.equal(r.webhookId, r.event.id, 'webhook-id is the event id');
      }
      assert.equal(project.received.length, 6, 'three 500s, then each event once');
      // A retried event keeps its webhook-id: the 500s are repeats of accepted events.
      const acceptedIds = new Set(project.accepted.map((r) => r.webhookId));
      assert.ok(project.received.filter((r) => r.status === 500).every((r) => acceptedIds.has(r.webhookId)));
      assert.equal(deployment.received.length, 3, 'the deployment endpoint answered 200 at once');

      // The delivery log shows each attempt with its status code and number.
      const log = await fetch(`${t.url}/v1/webhook_endpoints/${endpoint.id}/deliveries?limit=100`, { headers: { authorization: `Bearer ${client.apiKey}` } }).then((r) => r.json()) as { data: Array<{ event_id: string; status_code: number; attempt: number; error: string | null }> };
      assert.equal(log.data.length, 6);
      assert.deepEqual(log.data.map((a) => a.status_code).sort(), [200, 200, 200, 500, 500, 500]);
      for (const a of log.data.filter((x) => x.status_code === 500)) assert.match(a.error!, /HTTP 500/);
      const attemptsOf = (id: string) => log.data.filter((a) => a.event_id === id).map((a) => a.attempt).sort();
      for (const id of acceptedIds) assert.deepEqual(attemptsOf(id), Array.from({ length: attemptsOf(id).length }, (_, i) => i + 1));
    });

    test('the deployment endpoint gets every project\'s events; an endpoint gets only its project\'s and its types', async () => {
      const deployment = await startReceiver(DEPLOYMENT_SECRET);
      const onlyCancelled = await startReceiver();
      const t = await serverWith(backend, deployment.url);
      const a = await createTenant(t);
      const b = await createTenant(t);
      const endpoint = await a.client.webhooks.create({ name: 'cancels', url: onlyCancelled.url, event_types: ['fine_tuning.job.cancelled'] });
      onlyCancelled.secret = endpoint.signing_secret;

      const [jobsA, jobsB] = [await failAndCancel(a.client), await failAndCancel(b.client)];
      await waitUntil(() => deployment.accepted.length >= 4, { timeoutMs: SHORT_WAIT_MS, what: () => `4 events, got ${JSON.stringify(eventsOf(deployment))}` });
      await waitUntil(() => onlyCancelled.accepted.length >= 1, { timeoutMs: SHORT_WAIT_MS, what: 'the cancelled event' });
      await sleep(2_000);
      assert.deepEqual(eventsOf(deployment), [
        `fine_tuning.job.cancelled ${jobsA.cancelled}`, `fine_tuning.job.cancelled ${jobsB.cancelled}`,
        `fine_tuning.job.failed ${jobsA.failed}`, `fine_tuning.job.failed ${jobsB.failed}`,
      ].sort());
      assert.deepEqual(eventsOf(onlyCancelled), [`fine_tuning.job.cancelled ${jobsA.cancelled}`]);
      assert.deepEqual([...deployment.rejected, ...onlyCancelled.rejected], []);
    });

    test('deleting an endpoint stops its pending deliveries', async () => {
      const deployment = await startReceiver(DEPLOYMENT_SECRET);
      const failing = await startReceiver();
      const t = await serverWith(backend, deployment.url);
      const { client } = await createTenant(t);
      const endpoint = await client.webhooks.create({ name: 'down', url: failing.url, event_types: ['fine_tuning.job.failed', 'fine_tuning.job.cancelled'] });
      failing.secret = endpoint.signing_secret;
      failing.answer = () => 503;
      await failAndCancel(client);
      await waitUntil(() => failing.received.length >= 3, { timeoutMs: LONG_WAIT_MS, what: 'retries to the failing endpoint' });
      await client.webhooks.delete(endpoint.id);
      await sleep(1_000); // a request already in flight when it was deleted may still arrive
      const seen = failing.received.length;
      await sleep(4_000); // several retry gaps (0.2 s doubling)
      assert.equal(failing.received.length, seen, 'no request after the delete');
    });
  });
}
