import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allEvents, uploadDemo, waitForJob, isFinished } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// The spine, end to end through the official SDK: upload, create, watch it
// validate, queue, train and finish, then read everything it produced.

let t: TestServer;
let jobId: string;

before(async () => {
  t = await startServer();
});
after(() => t.close());

test('a supervised job on selftune-tiny trains for real and succeeds', async () => {
  const { client } = t;
  const { training, validation } = await uploadDemo(client);
  assert.equal(training.status, 'processed');
  const created = await client.fineTuning.jobs.create({
    model: 'selftune-tiny',
    training_file: training.id,
    validation_file: validation.id,
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 4, learning_rate_multiplier: 'auto' } } },
    suffix: 'spine',
    seed: 11,
    metadata: { team: 'core' },
  });
  jobId = created.id;
  assert.match(created.id, /^ftjob-[0-9A-Za-z]{24}$/);
  assert.equal(created.object, 'fine_tuning.job');
  assert.equal(created.status, 'validating_files');
  assert.equal(created.hyperparameters.learning_rate_multiplier, 'auto'); // until training starts
  assert.equal(created.hyperparameters.batch_size, 'auto');
  assert.equal((created as unknown as { user_provided_suffix: string }).user_provided_suffix, 'spine');
  assert.equal(created.seed, 11);
  assert.deepEqual(created.metadata, { team: 'core' });
  assert.deepEqual(created.integrations, []);
  assert.deepEqual(created.error, {});
  assert.equal(created.fine_tuned_model, null);
  assert.equal(created.training_file, training.id);
  assert.equal(created.validation_file, validation.id);

  const running = await waitForJob(client, jobId, (j) => j.status === 'running' && j.estimated_finish !== null || isFinished(j));
  if (running.status === 'running') {
    assert.equal(typeof running.hyperparameters.batch_size, 'number', 'resolved once running');
    assert.ok(running.estimated_finish! >= running.created_at);
  }
  const job = await waitForJob(client, jobId, isFinished);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  assert.match(job.fine_tuned_model!, /^ft:selftune-tiny:default:spine:[0-9A-Za-z]{8}$/);
  assert.deepEqual(job.hyperparameters, { batch_size: 1, learning_rate_multiplier: 1, n_epochs: 4 });
  assert.deepEqual(job.method?.supervised?.hyperparameters, job.hyperparameters);
  assert.ok(job.finished_at! >= job.created_at);
  assert.equal(job.result_files.length, 1);
  // Every token of 24 examples, 4 times over: far more than the examples' assistant text alone.
  assert.ok(job.trained_tokens! > 24 * 4 * 20, `trained_tokens ${job.trained_tokens}`);
  assert.equal(job.estimated_finish, null);
});

test('the loss falls, and the events tell the story in order', async () => {
  const events = await allEvents(t.client, jobId, 7);
  const messages = events.map((e) => e.message);
  assert.match(messages[0]!, /^Created fine-tuning job: ftjob-/);
  assert.match(messages[1]!, /^Validating training file: file-\w+ and validation file: file-\w+$/);
  assert.ok(messages.includes('Files validated, moving job to queued state'));
  assert.ok(messages.includes('Fine-tuning job started'));
  assert.equal(messages.at(-1), 'The job has successfully completed');
  assert.match(messages.at(-2)!, /^New fine-tuned model created: ft:selftune-tiny:/);
  const metrics = events.filter((e) => e.type === 'metrics').map((e) => e.data as { step: number; train_loss: number; total_steps: number; valid_loss?: number });
  assert.equal(metrics.length, 96); // 24 examples × 4 epochs at batch size 1
  assert.deepEqual(metrics.map((m) => m.step), Array.from({ length: 96 }, (_, i) => i + 1));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(metrics.slice(0, 12).map((m) => m.train_loss));
  const last = mean(metrics.slice(-12).map((m) => m.train_loss));
  assert.ok(last < first * 0.8, `training loss should fall: first ${first.toFixed(3)}, last ${last.toFixed(3)}`);
  const valid = metrics.filter((m) => m.valid_loss !== undefined).map((m) => m.valid_loss!);
  assert.ok(valid.length >= 2, 'validation loss is reported');
  assert.ok(valid.at(-1)! < valid[0]!, `validation loss should fall: ${valid[0]} → ${valid.at(-1)}`);
  for (const e of events) {
    assert.match(e.id, /^ftevent-[0-9A-Za-z]{24}$/);
    assert.equal(e.object, 'fine_tuning.job.event');
    assert.ok(['info', 'warn', 'error'].includes(e.level));
  }
});

test('events paginate newest first, and a cursor past the end gives an empty page', async () => {
  const { client } = t;
  const page1 = await client.fineTuning.jobs.listEvents(jobId, { limit: 3 });
  assert.equal(page1.data.length, 3);
  assert.equal(page1.has_more, true);
  assert.equal(page1.data[0]!.message, 'The job has successfully completed');
  const page2 = await client.fineTuning.jobs.listEvents(jobId, { limit: 3, after: page1.data.at(-1)!.id });
  assert.notEqual(page2.data[0]!.id, page1.data[0]!.id);
  assert.ok(page2.data[0]!.created_at <= page1.data.at(-1)!.created_at);
  const everything = await client.fineTuning.jobs.listEvents(jobId, { limit: 1000 });
  assert.equal(everything.has_more, false);
  const past = await client.fineTuning.jobs.listEvents(jobId, { limit: 5, after: everything.data.at(-1)!.id });
  assert.deepEqual(past.data, []);
  assert.equal(past.has_more, false);
});

test('the last three epoch checkpoints are kept, paginated, and served as models', async () => {
  const { client } = t;
  const job = await client.fineTuning.jobs.retrieve(jobId);
  const page = await client.fineTuning.jobs.checkpoints.list(jobId, { limit: 2 });
  assert.equal(page.has_more, true);
  const rest = await client.fineTuning.jobs.checkpoints.list(jobId, { limit: 2, after: page.data.at(-1)!.id });
  assert.equal(rest.has_more, false);
  const checkpoints = [...page.data, ...rest.data];
  assert.deepEqual(checkpoints.map((c) => c.step_number), [96, 72, 48]); // epoch 1 (step 24) was dropped
  assert.equal(checkpoints[0]!.fine_tuned_model_checkpoint, job.fine_tuned_model);
  for (const c of checkpoints.slice(1)) {
    assert.match(c.fine_tuned_model_checkpoint, new RegExp(`^ft:selftune-tiny:default:spine:[0-9A-Za-z]{8}:ckpt-step-${c.step_number}$`));
  }
  for (const c of checkpoints) {
    assert.match(c.id, /^ftckpt_[0-9A-Za-z]{24}$/);
    assert.equal(c.fine_tuning_job_id, jobId);
    assert.equal(typeof c.metrics.train_loss, 'number');
    assert.equal(typeof c.metrics.full_valid_loss, 'number');
  }
  const models = (await client.models.list()).data.map((m) => m.id);
  for (const c of checkpoints) assert.ok(models.includes(c.fine_tuned_model_checkpoint), `${c.fine_tuned_model_checkpoint} listed`);
  assert.ok(models.includes('selftune-tiny'));
  const model = await client.models.retrieve(job.fine_tuned_model!);
  assert.equal(model.owned_by, 'org-default');
});

test('the result file is step_metrics.csv with one row per step', async () => {
  const { client } = t;
  const job = await client.fineTuning.jobs.retrieve(jobId);
  const file = await client.files.retrieve(job.result_files[0]!);
  assert.equal(file.purpose, 'fine-tune-results');
  assert.equal(file.filename, 'step_metrics.csv');
  const body = await (await client.files.content(file.id)).text();
  const csv = Buffer.from(body, 'base64').toString('utf8'); // served base64-encoded, as OpenAI does
  const [header, ...rows] = csv.trim().split('\n');
  assert.equal(header, 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy');
  assert.equal(rows.length, 96);
  assert.match(rows[0]!, /^1,\d+\.\d{5},\d\.\d{5},(\d+\.\d{5})?,(\d\.\d{5})?$/);
  assert.ok(rows.some((r) => !r.endsWith(',,')), 'some rows carry validation metrics');
});

test('jobs list newest first with cursor and metadata filter', async () => {
  const { client } = t;
  const list = await client.fineTuning.jobs.list({ limit: 10 });
  assert.equal(list.data[0]!.id, jobId);
  assert.equal(list.has_more, false);
  const byMeta = await client.fineTuning.jobs.list({ metadata: { team: 'core' } });
  assert.deepEqual(byMeta.data.map((j) => j.id), [jobId]);
  const none = await client.fineTuning.jobs.list({ metadata: { team: 'other' } });
  assert.deepEqual(none.data, []);
  const past = await client.fineTuning.jobs.list({ after: jobId });
  assert.deepEqual(past.data, []);
  // `status` is a selftune extension of the list (the dashboard filters with it).
  const succeeded = await client.get('/fine_tuning/jobs', { query: { status: 'succeeded' } }) as { data: Array<{ id: string }> };
  assert.deepEqual(succeeded.data.map((j) => j.id), [jobId]);
  const running = await client.get('/fine_tuning/jobs', { query: { status: 'running' } }) as { data: unknown[] };
  assert.deepEqual(running.data, []);
  await assert.rejects(client.get('/fine_tuning/jobs', { query: { status: 'sleeping' } }), (err: { status: number }) => err.status === 400);
});

test('a fine-tuned model can be deleted; a base model cannot', async () => {
  const { client } = t;
  const job = await client.fineTuning.jobs.retrieve(jobId);
  const ckpt = (await client.fineTuning.jobs.checkpoints.list(jobId)).data[1]!.fine_tuned_model_checkpoint;
  const deleted = await client.models.delete(ckpt);
  assert.deepEqual(deleted, { id: ckpt, object: 'model', deleted: true });
  await assert.rejects(client.models.retrieve(ckpt), (err: { status: number }) => err.status === 404);
  await assert.rejects(client.models.delete('selftune-tiny'), (err: { status: number }) => err.status === 400);
  assert.ok((await client.models.retrieve(job.fine_tuned_model!)).id);
});
