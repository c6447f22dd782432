import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { demoTrainingJsonl, demoValidationJsonl } from '../../src/demo/demo-data.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from './mistral-helpers.ts';

// The Mistral job lifecycle through the official SDK: validation stops at
// VALIDATED until /start, then the job trains to SUCCESS with its metadata,
// events, checkpoints and a model that can be renamed, archived and deleted.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

test('auto_start=false waits in VALIDATED, /start runs it to SUCCESS with events, checkpoints and metadata', async () => {
  const client = mistralClient(t);
  const training = await uploadMistral(client, demoTrainingJsonl());
  const validation = await uploadMistral(client, demoValidationJsonl(), 'valid.jsonl');
  const created = await createJob(client, {
    model: 'selftune-tiny',
    trainingFiles: [{ fileId: training.id, weight: 1 }],
    validationFiles: [validation.id],
    suffix: 'facts',
    hyperparameters: { learningRate: 1e-3, epochs: 2 },
  });
  assert.equal(created.jobType, 'completion');
  assert.equal(created.autoStart, false);
  const validated = await waitMistral(client, created.id, (j) => j.status === 'VALIDATED' || isOver(j));
  assert.equal(validated.status, 'VALIDATED');
  const meta = validated.metadata!;
  assert.ok(meta.dataTokens! > 0 && meta.trainTokensPerStep! > 0, JSON.stringify(meta));
  assert.equal(meta.trainTokens, meta.trainTokensPerStep! * validated.hyperparameters.trainingSteps!);
  assert.equal(validated.hyperparameters.epochs, 2);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await client.fineTuning.jobs.get({ jobId: created.id })).status, 'VALIDATED', 'does not start by itself');

  const started = await client.fineTuning.jobs.start({ jobId: created.id });
  assert.ok(['QUEUED', 'RUNNING'].includes(started.status), started.status);
  const done = await waitMistral(client, created.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  assert.match(done.fineTunedModel!, /^ft:selftune-tiny:[0-9a-f]{8}:\d{8}:facts:[0-9a-f]{8}$/);
  assert.ok(done.fineTunedModel!.endsWith(created.id.slice(0, 8)));
  assert.ok(done.trainedTokens! > 0);
  const statuses = done.events!.filter((e) => e.name === 'status-updated').map((e) => (e.data as { status: string }).status);
  assert.deepEqual(statuses, ['VALIDATING', 'VALIDATED', 'QUEUED', 'RUNNING', 'SUCCESS']);
  const steps = done.checkpoints!.map((c) => c.stepNumber);
  assert.deepEqual(steps, [...steps].sort((a, b) => b - a), 'newest checkpoint first');
  assert.equal(steps[0], done.hyperparameters.trainingSteps);
  assert.ok(done.checkpoints!.every((c) => typeof c.metrics.trainLoss === 'number' && typeof c.metrics.validLoss === 'number'));

  // The model it produced, in Mistral's shape.
  const id = done.fineTunedModel!;
  const card = await client.models.retrieve({ modelId: id });
  assert.equal(card.type, 'fine-tuned');
  assert.ok(card.type === 'fine-tuned' && card.job === created.id && card.root === 'selftune-tiny' && card.archived === false);
  const updated = await client.models.update({ modelId: id, updateFTModelIn: { name: 'Facts', description: 'short answers' } });
  assert.equal(updated.modelType, 'completion');
  assert.equal(updated.name, 'Facts');
  assert.equal((await client.models.archive({ modelId: id })).archived, true);
  const listed = (await client.models.list()).data!.find((m) => m.id === id);
  assert.ok(listed && listed.type === 'fine-tuned' && listed.archived === true && listed.description === 'short answers');
  assert.equal((await client.models.unarchive({ modelId: id })).archived, false);
  await assert.rejects(client.models.delete({ modelId: 'selftune-tiny' }), (e: Error) => /Status 400/.test(e.message));
  assert.deepEqual(await client.models.delete({ modelId: id }), { id, object: 'model', deleted: true });
  await assert.rejects(client.models.retrieve({ modelId: id }), (e: Error) => /Status 404/.test(e.message));

  // The same job through the OpenAI dialect.
  const seen = await t.client.fineTuning.jobs.retrieve(`ftjob-${(await import('../../src/ids/ids.ts')).uuidToBase62(created.id)}`);
  assert.equal(seen.status, 'succeeded');
  assert.equal(seen.fine_tuned_model, id);

  // dry_run now has a measured speed to estimate from, and creates nothing.
  const before = (await client.fineTuning.jobs.list()).total;
  const res = await fetch(`${t.url}/mistral/v1/fine_tuning/jobs?dry_run=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify({ model: 'selftune-tiny', training_files: [training.id], hyperparameters: { epochs: 2 } }),
  });
  const dry = (await res.json()) as Record<string, number | string | null>;
  assert.equal(res.status, 200, JSON.stringify(dry));
  assert.equal(dry.object, 'job.metadata');
  assert.equal(dry.train_tokens, meta.trainTokens);
  assert.ok(typeof dry.expected_duration_seconds === 'number' && dry.expected_duration_seconds > 0, JSON.stringify(dry));
  assert.equal((await client.fineTuning.jobs.list()).total, before);
});

test('list filters and total, cancel, and OpenAI-created jobs seen through Mistral', async () => {
  const client = mistralClient(t);
  const training = await uploadMistral(client, demoTrainingJsonl());
  const mk = (suffix: string, extra: object = {}) =>
    createJob(client, { model: 'selftune-tiny', trainingFiles: [{ fileId: training.id, weight: 1 }], suffix, hyperparameters: { learningRate: 1e-3 }, ...extra });
  const a = await mk('alpha', { integrations: [{ project: 'proj-a', name: 'run-a', apiKey: 'k'.repeat(40) }] });
  const b = await mk('beta');
  const fromOpenAi = await t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, suffix: 'gamma' });
  await waitMistral(client, b.id, (j) => j.status === 'VALIDATED');

  const all = await client.fineTuning.jobs.list({ pageSize: 2 });
  assert.ok(all.total >= 3 && all.data!.length === 2);
  assert.deepEqual((await client.fineTuning.jobs.list({ suffix: 'alpha' })).data!.map((j) => j.id), [a.id]);
  const byProject = await client.fineTuning.jobs.list({ wandbProject: 'proj-a', wandbName: 'run-a' });
  assert.deepEqual(byProject.data!.map((j) => j.id), [a.id]);
  assert.equal(byProject.data![0]!.integrations![0]!.project, 'proj-a');
  assert.ok(!JSON.stringify(byProject).includes('kkkk'), 'the API key is never echoed');
  assert.equal((await client.fineTuning.jobs.list({ wandbProject: 'nope' })).total, 0);
  const validated = await client.fineTuning.jobs.list({ status: 'VALIDATED', suffix: 'beta' });
  assert.deepEqual(validated.data!.map((j) => j.id), [b.id]);
  const created = new Date((b.createdAt - 1) * 1000);
  assert.equal((await client.fineTuning.jobs.list({ createdBefore: created, suffix: 'beta' })).total, 0);
  assert.equal((await client.fineTuning.jobs.list({ createdAfter: created, suffix: 'beta' })).total, 1);
  assert.equal((await client.fineTuning.jobs.list({ model: 'other' })).total, 0);
  assert.equal((await client.fineTuning.jobs.list({ createdByMe: true, suffix: 'beta' })).total, 1);
  assert.equal((await mistralClient(t, 'someone-else').fineTuning.jobs.list({ createdByMe: true, suffix: 'beta' })).total, 0);

  // The OpenAI job, through Mistral: same record, UUID id, mapped status.
  const gamma = (await client.fineTuning.jobs.list({ suffix: 'gamma' })).data![0]!;
  assert.equal((await import('../../src/ids/ids.ts')).toOpenAiId('job', gamma.id), fromOpenAi.id);
  assert.equal(gamma.autoStart, true);

  const cancelled = await client.fineTuning.jobs.cancel({ jobId: b.id });
  assert.equal(cancelled.status, 'CANCELLED');
  assert.equal((await t.client.fineTuning.jobs.retrieve(fromOpenAi.id)).status !== undefined, true);
  await t.client.fineTuning.jobs.cancel(fromOpenAi.id);
  const running = await waitMistral(client, a.id, (j) => j.status === 'VALIDATED');
  await client.fineTuning.jobs.start({ jobId: running.id });
  await waitMistral(client, a.id, (j) => j.status === 'RUNNING' || isOver(j));
  const asked = await client.fineTuning.jobs.cancel({ jobId: a.id });
  assert.ok(['CANCELLATION_REQUESTED', 'CANCELLED'].includes(asked.status), asked.status);
  const over = await waitMistral(client, a.id, isOver);
  assert.equal(over.status, 'CANCELLED');
  const statuses = over.events!.filter((e) => e.name === 'status-updated').map((e) => (e.data as { status: string }).status);
  assert.deepEqual(statuses.slice(-2), ['CANCELLATION_REQUESTED', 'CANCELLED']);
  await assert.rejects(client.fineTuning.jobs.start({ jobId: a.id }), (e: Error) => /Status 400/.test(e.message));
});
