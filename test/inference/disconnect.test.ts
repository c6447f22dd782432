import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Generation } from '../../src/inference/generation.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// A client that gives up on a non-streamed completion must not leave the
// worker generating for nobody: its generation is cancelled. (At temperature 0
// the untrained demo model never emits its end token, so it would run to max_tokens.)

let t: TestServer;
const cancelled: string[] = [];
before(async () => {
  t = await startServer();
  const inference = t.server.ctx.inference;
  const generate = inference.generate.bind(inference);
  inference.generate = async (...args: Parameters<typeof generate>) => {
    const generation: Generation = await generate(...args);
    return { events: generation.events, cancel: () => (cancelled.push(args[1]), generation.cancel()) };
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
  await new Promise((r) => setTimeout(r, 150));
  controller.abort();
  assert.equal(((await pending) as Error).name, 'AbortError');
  const deadline = Date.now() + 5000;
  while (cancelled.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(cancelled, ['selftune-tiny']);
  // The worker is free again right away.
  const started = Date.now();
  assert.equal((await ask(4)).status, 200);
  assert.ok(Date.now() - started < 3000);
});
