import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseRecordId } from '../../src/ids/ids.ts';
import type { Generation } from '../../src/inference/generation.ts';
import { uploadDemo, waitForStep } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';
import { DEFAULT_TENANT } from '../helpers/tenants.ts';

// Calling models around their lifecycle: a client that gives up on a
// non-streamed completion must not leave the worker generating for nobody (at
// temperature 0 the untrained demo model never emits its end token, so it would
// run to max_tokens), and a model still being trained says so.

let t: TestServer;
const cancelled: string[] = [];
/** Whether each generation's events ended, and with a result: a cancelled one ends without. */
const ended: Array<{ model: string; result: boolean }> = [];
let generations = 0;
before(async () => {
  t = await startServer();
  const inference = t.server.ctx.inference;
  const generate = inference.generate.bind(inference);
  inference.generate = async (...args: Parameters<typeof generate>) => {
    const generation: Generation = await generate(...args);
    generations++;
    async function* watched() {
      let result = false;
      try {
        for await (const e of generation.events) yield ((result ||= e.type === 'done'), e);
      } finally {
        ended.push({ model: args[1], result });
      }
    }
    return { events: watched(), cancel: () => (cancelled.push(args[1]), generation.cancel()) };
  };
});
after(() => t.close());

const ask = (maxTokens: number, signal?: AbortSignal) =>
  fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'selftune-tiny', messages: [{ role: 'user', content: 'Tell me everything.' }], max_tokens: maxTokens, temperature: 0 }),
    signal,
  });

test('a non-streamed request whose client disconnects is cancelled', async () => {
  assert.equal((await ask(4)).status, 200); // the worker is up and warm
  assert.deepEqual(cancelled, [], 'a completed request is not cancelled');
  const controller = new AbortController();
  const pending = ask(1900, controller.signal).catch((err: Error) => err);
  await waitUntil(() => generations === 2, { intervalMs: 20, what: 'the worker to start generating' });
  controller.abort();
  assert.equal(((await pending) as Error).name, 'AbortError');
  await waitUntil(() => cancelled.length > 0, { what: 'the generation to be cancelled' });
  assert.deepEqual(cancelled, ['selftune-tiny']);
  // The worker stopped that generation (its events end without a result) and answers the next one.
  await waitUntil(() => ended.length === 2, { what: 'the cancelled generation to end' });
  assert.deepEqual(ended, [{ model: 'selftune-tiny', result: true }, { model: 'selftune-tiny', result: false }]);
  assert.equal((await ask(4)).status, 200);
});

test('the model a running job will produce answers "not ready", naming the job', async () => {
  const { training } = await uploadDemo(t.client);
  const job = await t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 50 } });
  await waitForStep(t.client, job.id, 1);
  // The name is fixed when training starts (kept across resumes) but only published on success.
  const planned = (await t.server.ctx.jobs.get(DEFAULT_TENANT, parseRecordId('job', job.id))).stats.planned_model!;
  await assert.rejects(
    t.client.chat.completions.create({ model: planned, messages: [{ role: 'user', content: 'hi' }] }),
    (err: { status: number; code: string; message: string }) =>
      err.status === 404 && err.code === 'model_not_ready' && err.message.includes(job.id) && /is running/.test(err.message),
  );
  await t.client.fineTuning.jobs.cancel(job.id);
});
