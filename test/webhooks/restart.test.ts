import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import { BACKENDS, createPostgresDatabase } from '../helpers/backends.ts';
import { uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { startServer, tempDir } from '../helpers/server.ts';
import { createTenant, openAiClient } from '../helpers/tenants.ts';
import { SHORT_WAIT_MS, sleep, waitUntil } from '../helpers/wait.ts';
import { Receiver } from './receiver.ts';

// The outbox is in the database: a delivery still failing when the server
// stops is sent by the next server on the same data, and received once.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.splice(0).reverse().map((c) => c())));

for (const backend of BACKENDS) {
  test(`a pending delivery survives a server restart and is delivered once (${backend})`, async () => {
    const dataDir = await tempDir('webhook-restart');
    const database = backend === 'postgres' ? await createPostgresDatabase() : null;
    cleanups.push(async () => { await rm(dataDir, { recursive: true, force: true }); await database?.drop(); });
    const settings = { dataDir, databaseUrl: database?.url, webhookRetryBaseSeconds: 0.2 };
    const receiver = await new Receiver('').start();
    cleanups.push(() => receiver.close());
    receiver.answer = () => 500;

    const first = await startServer(settings);
    const { client, key } = await createTenant(first);
    const endpoint = await client.webhooks.create({ name: 'down for now', url: receiver.url, event_types: ['fine_tuning.job.cancelled'] });
    receiver.secret = endpoint.signing_secret;
    const { training } = await uploadDemo(client);
    const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id });
    await client.fineTuning.jobs.cancel(job.id);
    await waitUntil(() => receiver.received.length >= 2, { timeoutMs: SHORT_WAIT_MS, what: 'two failed attempts' });
    await first.close();
    const failedIds = new Set(receiver.received.map((r) => r.webhookId));
    assert.equal(failedIds.size, 1, 'every retry carries the same webhook-id');

    // The receiver recovers while no server runs; the next server sends what is owed.
    receiver.answer = () => 200;
    const second = await startServer(settings);
    cleanups.push(() => second.close());
    const again = openAiClient(second, key);
    await waitUntil(() => receiver.accepted.length >= 1, { timeoutMs: SHORT_WAIT_MS, what: 'the delivery after the restart' });
    await sleep(3_000);
    assert.equal(receiver.accepted.length, 1, 'delivered once');
    assert.deepEqual(receiver.rejected, []);
    const [accepted] = receiver.accepted;
    assert.ok(failedIds.has(accepted!.webhookId), 'the same event');
    assert.equal(accepted!.event.type, 'fine_tuning.job.cancelled');
    assert.equal(accepted!.subject, job.id);
    assert.equal((await waitForJob(again, job.id, (j) => j.status === 'cancelled')).status, 'cancelled');
  });
}
