import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import { exited } from '../faults/processes.ts';
import { BACKENDS, createPostgresDatabase } from '../helpers/backends.ts';
import { uploadDemo } from '../helpers/jobs.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../helpers/server.ts';
import { SHORT_WAIT_MS, sleep, waitUntil } from '../helpers/wait.ts';
import { Receiver } from './receiver.ts';

// A server SIGKILLed while a delivery is in flight (the receiver has the
// request and has not answered): the next server on the same data sends it
// again — at once on SQLite, whose one server voids a dead process's claims;
// on Postgres once the dead replica's lease runs out — and it is received once.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.splice(0).reverse().map((c) => c())));

for (const backend of BACKENDS) {
  test(`a delivery in flight when its server is SIGKILLed is sent by the next one (${backend})`, async () => {
    const dataDir = await tempDir('webhook-killed');
    const database = backend === 'postgres' ? await createPostgresDatabase() : null;
    cleanups.push(async () => { await rm(dataDir, { recursive: true, force: true }); await database?.drop(); });
    const receiver = await new Receiver('').start();
    cleanups.push(() => receiver.close());
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // A 2 s request limit keeps the claim's lease (limit + 30 s) short for the Postgres case.
    const env = { SELFTUNE_WEBHOOK_TIMEOUT_SECONDS: '2', ...(database ? { SELFTUNE_DATABASE_URL: database.url } : {}) };
    let server = spawnServer(dataDir, port, env);
    cleanups.push(async () => { server.kill('SIGKILL'); await exited(server); });
    await waitForHealth(url);
    const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 });

    const endpoint = await client.webhooks.create({ name: 'slow', url: receiver.url, event_types: ['fine_tuning.job.cancelled'] });
    receiver.secret = endpoint.signing_secret;
    receiver.hang = true;
    const { training } = await uploadDemo(client);
    const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id });
    await client.fineTuning.jobs.cancel(job.id);
    await waitUntil(() => receiver.held.length >= 1, { timeoutMs: SHORT_WAIT_MS, what: 'the request in flight' });
    server.kill('SIGKILL');
    await exited(server);

    receiver.hang = false;
    server = spawnServer(dataDir, port, env);
    await waitForHealth(url);
    await waitUntil(() => receiver.accepted.length >= 1, { timeoutMs: SHORT_WAIT_MS, what: 'the delivery after the kill' });
    await sleep(3_000);
    assert.equal(receiver.accepted.length, 1, 'received once');
    assert.equal(receiver.accepted[0]!.webhookId, receiver.held[0]!.webhookId, 'the same event');
    assert.equal(receiver.accepted[0]!.subject, job.id);
    assert.deepEqual(receiver.rejected, []);
  });
}
