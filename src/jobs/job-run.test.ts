import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CheckpointsRepository } from '../checkpoints/checkpoints.repository.ts';
import { type Executor, ExecutorUnavailable, type RunExit, type RunHandle } from '../executors/executor.ts';
import type { TrainerEvent } from '../executors/trainer-protocol.ts';
import { newUuid } from '../ids/ids.ts';
import type { Job } from './job.ts';
import { JobRun, type JobRunDeps } from './job-run.ts';
import { JobSignals } from './job-signals.ts';
import { type JobStore, openJobStore, TEST_TENANT } from './job-store.testing.ts';

// The domain half of a run through the Executor seam: an executor that only
// carries the events this test scripts, over a real SQLite store and the real
// JobsService/TrainingProgress. (The local executor's real trainer is covered
// by test/openai and test/faults.)

/** An executor whose trainer is this test: it sends events and decides how the run exits. */
class ScriptedExecutor implements Executor {
  send!: (e: TrainerEvent) => Promise<void>;
  exit!: (e: RunExit) => void;
  readonly commands: string[] = [];
  private started!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.started = resolve));

  prewarm(): void {}
  async close(): Promise<void> {}
  async start(_job: Job, _model: unknown, onEvent: (e: TrainerEvent) => Promise<void>): Promise<RunHandle> {
    this.send = onEvent;
    const exited = new Promise<RunExit>((resolve) => (this.exit = resolve));
    this.started();
    return {
      pause: () => this.commands.push('pause'),
      cancel: () => this.commands.push('cancel'),
      kill: async () => void this.commands.push('kill'),
      exited,
    };
  }
}

const logged: string[] = [];
let clockMs = 1_000;
let t: JobStore;

before(async () => {
  t = await openJobStore(() => clockMs++);
});
after(() => t.close());

function runWith(executor: Executor): JobRunDeps {
  const log = { info: () => {}, warn: (_: object, m: string) => logged.push(m), error: (_: object, m: string) => logged.push(m) };
  return {
    service: t.service, executor, log, jobs: t.jobs, events: t.events,
    checkpoints: new CheckpointsRepository(t.store.db),
    planner: { learnFrom: async () => {} } as never,
    // Only what a run asks of the model catalogue and files; both are exercised for real by the server suites.
    catalog: { trainable: async () => ({ path: join(t.dir, 'model'), root: 'tiny' }), insert: async () => {}, removeCheckpointModel: async () => {} } as never,
    files: { createGenerated: async () => ({ id: newUuid() }) } as never,
    signals: new JobSignals(),
    clock: { nowMs: () => clockMs++ },
    dataDir: t.dir,
    resultFilesBase64: false,
  };
}

/** A queued job of four examples, as validation leaves it. */
const queuedJob = (changes: Partial<Job> = {}): Promise<Job> =>
  t.insertJob({ hyperparameters: { n_epochs: 1, batch_size: 1, learning_rate_multiplier: 1 }, stats: { n_train_examples: 4 }, queuedAt: 1, ...changes });

const started = (total: number, from = 0): TrainerEvent => ({
  event: 'started', device: 'cpu', dtype: 'float32', training_mode: 'full', parameters: 1, trainable_parameters: 1, n_train_examples: 4,
  n_valid_examples: 0, steps_per_epoch: total, total_steps: total, n_epochs: 1, batch_size: 1, learning_rate: 1e-4, resumed_from_step: from, train_tokens_per_epoch: 10,
});
const step = (n: number, total: number): TrainerEvent => ({
  event: 'step', step: n, total_steps: total, epoch: 0, step_tokens: 1, trained_tokens: n, tokens_per_second: 1, elapsed_seconds: n,
  train_loss: 1 / n, train_mean_token_accuracy: 0.5,
});
const checkpoint = (n: number): TrainerEvent => ({ event: 'checkpoint', step: n, epoch: 0, path: join(t.dir, `ckpt-${n}`), metrics: { step: n, train_loss: 1, train_mean_token_accuracy: 0.5 } });
const messagesOf = async (id: string) => (await t.events.all(id)).map((e) => e.message);
const metricSteps = async (id: string) => (await t.events.all(id, 'metrics')).map((e) => (JSON.parse(e.data!) as { step: number }).step);
const clean: RunExit = { code: 0, signal: null, stderrTail: '' };

test('a pause that loses the race with the last step says so; checkpoints are announced as they are saved', async () => {
  const executor = new ScriptedExecutor();
  const job = await queuedJob();
  const run = new JobRun(runWith(executor), { maxSeqLen: 64, maxRecoveries: 3 }, job);
  await executor.ready;
  await executor.send(started(4));
  for (const n of [1, 2]) await executor.send(step(n, 4));
  await executor.send(checkpoint(2));
  assert.match((await messagesOf(job.id)).at(-1)!, /^Checkpoint created at step 2 with Snapshot ID: ft:tiny:.+:ckpt-step-2$/, 'announced as it is saved');
  for (const n of [3, 4]) await executor.send(step(n, 4));
  await t.service.pause(TEST_TENANT, job.id); // asked as the last step finished
  run.onLease({ lost: false, status: 'pausing', control: 'pause' });
  assert.deepEqual(executor.commands, ['pause']);
  await executor.send(checkpoint(4));
  await executor.send({ event: 'completed', step: 4, trained_tokens: 4, path: join(t.dir, 'final') });
  executor.exit(clean);
  await run.done;
  const done = (await t.jobs.find(TEST_TENANT, job.id))!;
  assert.equal(done.status, 'succeeded');
  const messages = await messagesOf(job.id);
  assert.ok(messages.includes('The job completed before it could pause'), messages.join('\n'));
  assert.equal(messages.filter((m) => m.startsWith('Checkpoint created')).length, 1, 'the final step is the model, not a checkpoint');
});

test('a trainer that dies unannounced is the job\'s fault: queued again with a recovery spent, memory named for SIGKILL', async () => {
  const executor = new ScriptedExecutor();
  const job = await queuedJob();
  const run = new JobRun(runWith(executor), { maxSeqLen: 64, maxRecoveries: 3 }, job);
  await executor.ready;
  await executor.send(started(10));
  for (const n of [1, 2, 3]) await executor.send(step(n, 10));
  executor.exit({ code: null, signal: 'SIGKILL', stderrTail: '' });
  await run.done;
  const requeued = (await t.jobs.find(TEST_TENANT, job.id))!;
  assert.equal(requeued.status, 'queued');
  assert.equal(requeued.recoveries, 1);
  const last = (await t.events.all(job.id)).at(-1)!;
  assert.equal(last.level, 'warn');
  assert.match(last.message, /^The training worker stopped unexpectedly at step 3 \(signal SIGKILL\)\. SIGKILL is what the kernel's out-of-memory killer sends.*\(recovery 1 of 3\)\.$/s);

  // The resumed run replays steps 2 and 3 from its checkpoint at step 1: they are recorded once.
  const again = new ScriptedExecutor();
  const resumed = new JobRun(runWith(again), { maxSeqLen: 64, maxRecoveries: 3 }, requeued);
  await again.ready;
  await again.send(started(10, 1));
  for (const n of [2, 3, 4]) await again.send(step(n, 10));
  again.exit({ code: 1, signal: null, stderrTail: 'Segmentation fault' });
  await resumed.done;
  assert.deepEqual(await metricSteps(job.id), [1, 2, 3, 4]);
  const messages = await messagesOf(job.id);
  assert.equal(messages.filter((m) => m === 'Fine-tuning job resumed').length, 1);
  assert.match(messages.at(-1)!, /at step 4 \(exit code 1\)\. The job is queued again .*\(recovery 2 of 3\)\.$/);
});

test('a run lost with its node is requeued with what happened to the node, not the memory hint', async () => {
  const executor = new ScriptedExecutor();
  const job = await queuedJob();
  const run = new JobRun(runWith(executor), { maxSeqLen: 64, maxRecoveries: 3 }, job);
  await executor.ready;
  executor.exit({ code: null, signal: 'SIGKILL', stderrTail: 'the Ray node n1 (10.0.0.2) died or lost the task (NodeDiedError: the node is dead)', lost: 'node' });
  await run.done;
  assert.equal((await t.jobs.find(TEST_TENANT, job.id))!.status, 'queued');
  const last = (await t.events.all(job.id)).at(-1)!.message;
  assert.match(last, /\(signal SIGKILL\)\. The Ray node n1 \(10\.0\.0\.2\) died or lost the task \(NodeDiedError: the node is dead\)\. The job is queued again/);
  assert.doesNotMatch(last, /out-of-memory|SELFTUNE_DEVICE_MEMORY_BYTES/);
});

test('an executor that cannot reach its cluster puts the job back in the queue: no recovery spent, not failed', async () => {
  const unreachable: Executor = {
    prewarm: () => {},
    close: async () => {},
    start: async () => {
      throw new ExecutorUnavailable('The Ray cluster at SELFTUNE_RAY_ADDRESS=head:6380 did not answer within 60 s.');
    },
  };
  const job = await queuedJob();
  await new JobRun(runWith(unreachable), { maxSeqLen: 64, maxRecoveries: 3 }, job).done;
  const after = (await t.jobs.find(TEST_TENANT, job.id))!;
  assert.equal(after.status, 'queued');
  assert.equal(after.recoveries, 0);
  assert.equal(after.error, null);
  const last = (await t.events.all(job.id)).at(-1)!;
  assert.equal(last.level, 'warn');
  assert.match(last.message, /^The job could not start: The Ray cluster at SELFTUNE_RAY_ADDRESS=head:6380 did not answer/);
});

test('with its recoveries spent, a dead trainer fails the job', async () => {
  const executor = new ScriptedExecutor();
  const job = await queuedJob({ recoveries: 3 });
  const run = new JobRun(runWith(executor), { maxSeqLen: 64, maxRecoveries: 3 }, job);
  await executor.ready;
  executor.exit({ code: null, signal: 'SIGKILL', stderrTail: 'last words' });
  await run.done;
  const failed = (await t.jobs.find(TEST_TENANT, job.id))!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, 'worker_crashed');
  assert.match(failed.error!.message, /already been recovered 3 times.*last words/s);
});

test('a step whose event was written but not the job\'s current step (the server died between) is not recorded again', async () => {
  const job = await queuedJob({ currentStep: 2, startedAt: 5 });
  for (const n of [1, 2, 3]) await t.events.add({ jobId: job.id, type: 'metrics', message: `Step ${n}/6`, data: { step: n } }, clockMs++);
  const executor = new ScriptedExecutor();
  const run = new JobRun(runWith(executor), { maxSeqLen: 64, maxRecoveries: 3 }, job);
  await executor.ready;
  await executor.send(started(6, 2));
  for (const n of [3, 4]) await executor.send(step(n, 6));
  await executor.send({ event: 'paused', step: 4, path: join(t.dir, 'resume') });
  executor.exit(clean);
  await run.done;
  assert.deepEqual(await metricSteps(job.id), [1, 2, 3, 4]);
  assert.equal((await t.jobs.find(TEST_TENANT, job.id))!.status, 'paused');
});
