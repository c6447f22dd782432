import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { sentimentJsonl, sentimentRows, TOPICS, topicJsonl, topicRows } from './classifier-data.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from './mistral-helpers.ts';

// A two-target classifier job trained on selftune-tiny, then used through
// classifiers.classify / classifyChat with the official SDK.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

test('a two-target classifier learns sentiment (>= 0.8 held out) and answers classify and classifyChat', async () => {
  const client = mistralClient(t);
  const training = await uploadMistral(client, sentimentJsonl(96, 1));
  const validation = await uploadMistral(client, sentimentJsonl(24, 2), 'valid.jsonl');
  assert.equal(training.sampleType, 'classifier');
  const created = await createJob(client, {
    model: 'selftune-tiny',
    jobType: 'classifier',
    autoStart: true,
    trainingFiles: [{ fileId: training.id, weight: 1 }],
    validationFiles: [validation.id],
    classifierTargets: [
      { name: 'sentiment', labels: ['negative', 'positive'], lossFunction: 'single_class' },
      { name: 'topic', labels: ['food', 'life', 'media', 'travel'], weight: 0.5, lossFunction: 'multi_class' },
    ],
    hyperparameters: { learningRate: 1e-3, epochs: 4 },
  });
  assert.equal(created.jobType, 'classifier');
  const done = await waitMistral(client, created.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  assert.ok(done.jobType === 'classifier');
  assert.deepEqual(done.classifierTargets.map((c) => [c.name, c.lossFunction, c.weight]), [['sentiment', 'single_class', 1], ['topic', 'multi_class', 0.5]]);
  const model = done.fineTunedModel!;
  assert.match(model, /^ft:classifier:selftune-tiny:[0-9a-f]{8}:\d{8}:[0-9a-f]{8}$/);
  assert.ok(done.checkpoints!.length >= 1 && done.checkpoints!.every((c) => typeof c.metrics.validMeanTokenAccuracy === 'number'));

  const heldOut = sentimentRows(40, 9);
  const res = await client.classifiers.classify({ model, inputs: heldOut.map((r) => r.text) });
  assert.match(res.id, /^[0-9a-f]{32}$/);
  assert.equal(res.results.length, heldOut.length);
  const top = (scores: Record<string, number>) => Object.entries(scores).sort((a, b) => b[1] - a[1])[0]![0];
  const hits = res.results.filter((r, i) => top(r.sentiment!.scores) === heldOut[i]!.labels.sentiment).length;
  assert.ok(hits / heldOut.length >= 0.8, `held-out sentiment accuracy ${hits}/${heldOut.length}`);
  assert.deepEqual(Object.keys(res.results[0]!.topic!.scores).sort(), ['food', 'life', 'media', 'travel']);

  const chat = await client.classifiers.classifyChat({ model, inputs: [{ messages: [{ role: 'user', content: 'the hotel was lovely' }] }] });
  assert.deepEqual(Object.keys(chat.results[0]!.sentiment!.scores).sort(), ['negative', 'positive']);

  const card = await client.models.retrieve({ modelId: model });
  assert.ok(card.type === 'fine-tuned' && card.capabilities.classification === true && card.capabilities.completionChat === false);
  const ft = await client.models.update({ modelId: model, updateFTModelIn: { name: 'sentiment' } });
  assert.ok(ft.modelType === 'classifier' && ft.classifierTargets.length === 2);
  await assert.rejects(client.classifiers.classify({ model: 'selftune-tiny', inputs: ['x'] }), (e: Error) => /not a classifier/.test(e.message));
});

test('targets come from the data when none are given; a share of invalid samples may be skipped', async () => {
  const client = mistralClient(t);
  const bad = '{"text": "no labels here"}\n';
  const training = await uploadMistral(client, sentimentJsonl(30, 4) + bad + bad);
  const create = (skip: number) => createJob(client, {
    model: 'selftune-tiny', jobType: 'classifier', trainingFiles: [{ fileId: training.id, weight: 1 }],
    invalidSampleSkipPercentage: skip, hyperparameters: { learningRate: 1e-3, trainingSteps: 2 },
  });
  const strict = await waitMistral(client, (await create(0)).id, (j) => j.status !== 'VALIDATING');
  assert.equal(strict.status, 'FAILED_VALIDATION');
  const reason = strict.events!.at(-1)!.data as { status: string; error: string };
  assert.match(reason.error, /line 31: .*labels/);
  const lenient = await waitMistral(client, (await create(0.1)).id, (j) => j.status !== 'VALIDATING');
  assert.equal(lenient.status, 'VALIDATED', JSON.stringify(lenient.events));
  assert.ok(lenient.jobType === 'classifier');
  assert.deepEqual(lenient.classifierTargets.map((c) => [c.name, c.labels, c.lossFunction]), [
    ['sentiment', ['negative', 'positive'], 'single_class'],
    ['topic', ['food', 'life', 'media', 'travel'], 'multi_class'],
  ]);
  const skipped = lenient.events!.find((e) => e.name === 'samples-skipped')!.data as { skipped_samples: number; lines: number[] };
  assert.deepEqual([skipped.skipped_samples, skipped.lines], [2, [31, 32]]);
});

test('a multi-label target learns as well as a single-label one: held-out exact sets >= 0.95 after a default-length job', async () => {
  const client = mistralClient(t);
  const training = await uploadMistral(client, topicJsonl(400, 1), 'topics.jsonl');
  const created = await createJob(client, {
    model: 'selftune-tiny',
    jobType: 'classifier',
    autoStart: true,
    trainingFiles: [{ fileId: training.id, weight: 1 }],
    classifierTargets: [
      { name: 'topics', labels: TOPICS, lossFunction: 'multi_class' },
      { name: 'mood', labels: ['happy', 'unhappy'], lossFunction: 'single_class' },
    ],
    // No steps or epochs: selftune's default length. The rate suits the tiny model (the SDK's default is for 7B LoRA).
    hyperparameters: { learningRate: 1e-3 },
  });
  const done = await waitMistral(client, created.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  assert.equal(done.hyperparameters.epochs, 10); // 400 examples, at least 4000 seen by a classifier
  const trained = new Set(topicRows(400, 1).map((r) => r.text));
  const heldOut = topicRows(220, 9).filter((r) => !trained.has(r.text)).slice(0, 200);
  assert.equal(heldOut.length, 200);
  const res = await client.classifiers.classify({ model: done.fineTunedModel!, inputs: heldOut.map((r) => r.text) });
  // Exact set: every label on the right side of 0.5, the threshold a sigmoid score means.
  const predicted = (scores: Record<string, number>) => Object.keys(scores).filter((l) => scores[l]! > 0.5).sort().join(',');
  const exact = res.results.filter((r, i) => predicted(r.topics!.scores) === [...heldOut[i]!.labels.topics].sort().join(',')).length / heldOut.length;
  const top = (scores: Record<string, number>) => Object.entries(scores).sort((a, b) => b[1] - a[1])[0]![0];
  const mood = res.results.filter((r, i) => top(r.mood!.scores) === heldOut[i]!.labels.mood).length / heldOut.length;
  // 3 passes (the old default) reached 0.90 on this set, 10 passes 0.99 (bench/RESULTS.md).
  assert.ok(exact >= 0.95, `held-out exact-set accuracy of the multi-label target ${exact}`);
  assert.ok(mood >= 0.95, `held-out accuracy of the single-label target ${mood}`);
});
