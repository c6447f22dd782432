import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainerEvent, TrainerSpec } from '../executors/trainer-protocol.ts';
import { RemoteRun } from './remote-runs.ts';

const log = (message: string): TrainerEvent => ({ event: 'log', level: 'info', message });

function runWith(onEvent: (e: TrainerEvent) => Promise<void>) {
  return new RemoteRun('job-1', 'selftune-runner-x', {} as TrainerSpec, '/data', onEvent);
}

test('events are applied in order and once, whatever batches a retrying runner sends', async () => {
  const seen: string[] = [];
  const run = runWith(async (e) => {
    if (e.event === 'log') seen.push(e.message);
  });
  assert.deepEqual(await run.receive(0, [log('a'), log('b')]), { applied: 2, control: null });
  // The answer was lost: the same batch again, now with one more event; and two batches racing.
  const [first, second] = await Promise.all([run.receive(0, [log('a'), log('b'), log('c')]), run.receive(1, [log('b'), log('c'), log('d')])]);
  assert.equal(first.applied, 3);
  assert.equal(second.applied, 4);
  assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
  await assert.rejects(run.receive(6, [log('g')]), /Events from 6 were posted, but only 4/);
  run.control = 'pause';
  assert.deepEqual(await run.receive(4, []), { applied: 4, control: 'pause' });
});

test('paths come back below the data directory; the exit waits for every event the runner sent', async () => {
  const paths: string[] = [];
  const run = runWith(async (e) => {
    if (e.event === 'checkpoint') paths.push(e.path);
  });
  const checkpoint: TrainerEvent = { event: 'checkpoint', step: 2, epoch: 1, path: 'runs/job-1/checkpoints/step-2', metrics: { step: 2, train_loss: 1, train_mean_token_accuracy: 0 } };
  await run.receive(0, [checkpoint]);
  assert.deepEqual(paths, ['/data/runs/job-1/checkpoints/step-2']);
  await assert.rejects(run.reportExit({ code: 0, signal: null, stderr_tail: '', events: 2 }), /reported 2 events, but 1 were received/);
  await run.reportExit({ code: 0, signal: null, stderr_tail: 'bye', events: 1 });
  await run.lost('too late: the exit report came first', 'node');
  assert.deepEqual(await run.exited, { code: 0, signal: null, stderrTail: 'bye' });
});

test('a run lost without an exit report ends like a SIGKILLed trainer; a handler failure fails the run', async () => {
  const lost = runWith(async () => {});
  await lost.lost('the Ray node n1 died', 'node');
  assert.deepEqual(await lost.exited, { code: null, signal: 'SIGKILL', stderrTail: 'the Ray node n1 died', lost: 'node' });
  const starved = runWith(async () => {});
  await starved.lost('Ray\'s memory monitor killed the worker', 'out_of_memory');
  assert.equal((await starved.exited).lost, undefined, 'a memory kill keeps the memory hint');

  const broken = runWith(async () => {
    throw new Error('database away');
  });
  await assert.rejects(broken.receive(0, [log('a')]), /database away/);
  await assert.rejects(broken.exited, /database away/);
  await assert.rejects(broken.receive(0, [log('a')]), /The run has ended/);
});
