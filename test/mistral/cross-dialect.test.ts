import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { toOpenAiId } from '../../src/ids/ids.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from './mistral-helpers.ts';

// One job, two APIs: each dialect shows the other's job in its own shapes
// (W&B integrations, statuses), and a Mistral job waiting in VALIDATED can be
// started through OpenAI's /resume, keeping what its Mistral request asked for.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

test('a validated Mistral job shows as paused through /v1, with its W&B integration in OpenAI shape, and /resume starts it', async () => {
  const client = mistralClient(t);
  const file = await uploadMistral(client, demoTrainingJsonl());
  const created = await createJob(client, {
    model: 'selftune-tiny',
    trainingFiles: [{ fileId: file.id, weight: 1 }],
    hyperparameters: { learningRate: 1e-3, trainingSteps: 3 },
    integrations: [{ project: 'cross', name: 'shown-name', runName: 'run-7', apiKey: 'k'.repeat(40) }],
  });
  const validated = await waitMistral(client, created.id, (j) => j.status === 'VALIDATED' || isOver(j));
  assert.equal(validated.status, 'VALIDATED');
  const openAiId = toOpenAiId('job', created.id);

  const seen = await t.client.fineTuning.jobs.retrieve(openAiId);
  assert.equal(seen.status as string, 'paused');
  assert.deepEqual(seen.error, {});
  assert.deepEqual(seen.integrations, [{ type: 'wandb', wandb: { project: 'cross', name: 'shown-name' } }]);
  const events = await t.client.fineTuning.jobs.listEvents(openAiId);
  assert.ok(events.data.some((e) => /waits for a start request/.test(e.message)), 'an event says why it waits');

  // Pausing what already waits changes nothing; resuming starts it.
  assert.equal((await t.client.fineTuning.jobs.pause(openAiId)).status as string, 'paused');
  const resumed = await t.client.fineTuning.jobs.resume(openAiId);
  assert.ok(['queued', 'running'].includes(resumed.status), resumed.status);
  const done = await waitMistral(client, created.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  // Still the job its Mistral request made: Mistral's model name and its estimate.
  assert.match(done.fineTunedModel!, /^ft:selftune-tiny:[0-9a-f]{8}:\d{8}:[0-9a-f]{8}$/);
  assert.ok(done.metadata!.trainTokens! > 0);
  assert.deepEqual(done.integrations!.map((i) => [i.project, i.name, i.runName]), [['cross', 'shown-name', 'run-7']]);
  const statuses = done.events!.filter((e) => e.name === 'status-updated').map((e) => (e.data as { status: string }).status);
  assert.deepEqual(statuses, ['VALIDATING', 'VALIDATED', 'QUEUED', 'RUNNING', 'SUCCESS']);
  // Once it has started, /resume is for paused jobs again.
  await assert.rejects(t.client.fineTuning.jobs.resume(openAiId), (e: { status: number }) => e.status === 400);
});

test('an OpenAI job through Mistral: its W&B integration in Mistral shape, OpenAI model naming, no estimate asked', async () => {
  const client = mistralClient(t);
  const file = await uploadMistral(client, demoTrainingJsonl());
  const job = await t.client.fineTuning.jobs.create({
    model: 'selftune-tiny',
    training_file: file.id,
    suffix: 'oa',
    hyperparameters: { n_epochs: 1 },
    integrations: [{ type: 'wandb', wandb: { project: 'from-openai', name: 'r1', entity: 'team', tags: ['a'] } }],
  });
  assert.deepEqual(job.integrations, [{ type: 'wandb', wandb: { project: 'from-openai', name: 'r1', entity: 'team', tags: ['a'] } }]);
  const id = (await client.fineTuning.jobs.list({ suffix: 'oa' })).data![0]!.id;
  assert.equal(toOpenAiId('job', id), job.id);
  const listed = await client.fineTuning.jobs.list({ wandbProject: 'from-openai', wandbName: 'r1' });
  assert.deepEqual(listed.data!.map((j) => j.id), [id]);
  assert.deepEqual(listed.data![0]!.integrations!.map((i) => [i.type, i.project, i.name, i.runName ?? null]), [['wandb', 'from-openai', 'r1', null]]);
  const done = await waitMistral(client, id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  assert.match(done.fineTunedModel!, /^ft:selftune-tiny:[^:]+:oa:[A-Za-z0-9]{8}$/);
  assert.equal(done.metadata!.trainTokens ?? null, null, 'no estimate: OpenAI clients do not read one');
});
