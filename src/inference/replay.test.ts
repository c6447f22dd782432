import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GenerationEvent } from './generation.ts';
import { replayingCrashes } from './replay.ts';
import { WORKER_CRASHED, workerUnavailable } from './worker-errors.ts';
import type { WorkerReply } from './worker-protocol.ts';

const crash = () => workerUnavailable(WORKER_CRASHED, 'the worker died', 1);
const delta = (text: string): WorkerReply => ({ id: 'x', event: 'delta', index: 0, text });
const done = (text: string): WorkerReply => ({ id: 'x', event: 'done', prompt_tokens: 1, completion_tokens: text.length, choices: [{ index: 0, text, finish_reason: 'length' }] });

/** Attempts that reply with the given lines, then crash (when `crashes`) or end. */
function attempts(...runs: Array<{ replies: WorkerReply[]; crashes: boolean }>) {
  let n = 0;
  return async function* () {
    const run = runs[n++]!;
    yield* run.replies;
    if (run.crashes) throw crash();
  };
}

async function drain(events: AsyncIterable<GenerationEvent>) {
  const out: GenerationEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

test('a replay skips the text already given and goes on', async () => {
  const events = await drain(replayingCrashes(attempts(
    { replies: [delta('ab'), delta('c')], crashes: true },
    { replies: [delta('a'), delta('bcd'), delta('e'), done('abcde')], crashes: false },
  ), 1));
  assert.deepEqual(events.filter((e) => e.type === 'delta').map((e) => e.type === 'delta' && e.text), ['ab', 'c', 'd', 'e']);
  assert.equal(events.at(-1)!.type, 'done');
});

test('a replay that writes different text ends with a retryable error; so does a second crash', async () => {
  const diverging = replayingCrashes(attempts({ replies: [delta('ab')], crashes: true }, { replies: [delta('ax')], crashes: false }), 1);
  await assert.rejects(drain(diverging), (e: { status: number; code: string }) => e.status === 503 && e.code === WORKER_CRASHED);
  const twice = replayingCrashes(attempts({ replies: [], crashes: true }, { replies: [delta('a')], crashes: true }), 1);
  await assert.rejects(drain(twice), /the worker died/);
  const none = replayingCrashes(attempts({ replies: [], crashes: true }), 0);
  await assert.rejects(drain(none), /the worker died/);
});
