import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Mistral } from '@mistralai/mistralai';
import type { JobIn } from '@mistralai/mistralai/models/components/index.js';
import { SDKError } from '@mistralai/mistralai/models/errors/index.js';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { HYPERPARAMETER_BOUNDS as B } from '../../src/jobs/hyperparameter-bounds.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { mistralClient, uploadMistral } from './mistral-helpers.ts';

// Mistral documents only floors; selftune sets a ceiling on every number
// (training_steps: 2^53 - 1, seq_len: 1e12 and a file weight of 1e308 used to
// pass, the last one turning into NaN when training started). Beyond it: 422
// {detail: [{loc, msg, type}]} naming the field and the range; nothing is created.

let t: TestServer;
let client: Mistral;
let fileId: string;
before(async () => {
  t = await startServer();
  client = mistralClient(t);
  fileId = (await uploadMistral(client, demoTrainingJsonl())).id;
});
after(() => t.close());

async function refused(req: Partial<JobIn>, loc: Array<string | number>, max: number) {
  const body: JobIn = { model: 'selftune-tiny', trainingFiles: [{ fileId, weight: 1 }], hyperparameters: {}, ...req };
  await assert.rejects(client.fineTuning.jobs.create(body), (err: unknown) => {
    // The SDK declares no 422 for this route, so it hands over the raw body.
    assert.ok(err instanceof SDKError, String(err));
    assert.equal(err.statusCode, 422);
    const [detail] = (JSON.parse(err.body) as { detail: Array<{ loc: unknown[]; type: string; msg: string }> }).detail;
    assert.deepEqual(detail!.loc, ['body', ...loc]);
    assert.equal(detail!.type, 'value_above_maximum');
    assert.match(detail!.msg, new RegExp(`must be .*at most ${max}`));
    return true;
  });
}

test('values beyond each maximum are refused with a 422 naming the field and the range', async () => {
  await refused({ hyperparameters: { trainingSteps: 9007199254740991 } }, ['hyperparameters', 'training_steps'], B.training_steps.max);
  await refused({ hyperparameters: { seqLen: 1e12 } }, ['hyperparameters', 'seq_len'], B.seq_len.max);
  await refused({ hyperparameters: { epochs: B.epochs.max + 1 } }, ['hyperparameters', 'epochs'], B.epochs.max);
  await refused({ hyperparameters: { learningRate: 2 } }, ['hyperparameters', 'learning_rate'], B.learning_rate.max);
  await refused({ hyperparameters: { weightDecay: 1.5 } }, ['hyperparameters', 'weight_decay'], B.weight_decay.max);
  await refused({ hyperparameters: { warmupFraction: 1.01 } }, ['hyperparameters', 'warmup_fraction'], B.warmup_fraction.max);
  await refused({ hyperparameters: { fimRatio: 3 } }, ['hyperparameters', 'fim_ratio'], B.fim_ratio.max);
  await refused({ trainingFiles: [{ fileId, weight: 1e308 }] }, ['training_files', 0, 'weight'], B.input_weight.max);
  await refused({ invalidSampleSkipPercentage: 0.9 }, ['invalid_sample_skip_percentage'], B.invalid_sample_skip_percentage.max);
  await refused(
    { repositories: [{ type: 'github', name: 'repo', owner: 'someone', token: 't', weight: 1e308 }] },
    ['repositories', 0, 'weight'],
    B.input_weight.max,
  );
  await refused(
    { jobType: 'classifier', classifierTargets: [{ name: 'sentiment', labels: ['pos', 'neg'], weight: 1e308 }] },
    ['classifier_targets', 0, 'weight'],
    B.target_weight.max,
  );
  assert.equal((await client.fineTuning.jobs.list({})).total, 0, 'nothing was created');
});

test('a file weight must be a finite positive number', async () => {
  const res = await fetch(`${t.url}/mistral/v1/fine_tuning/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // JSON has no Infinity; a number literal too large for a double parses as one.
    body: `{"model":"selftune-tiny","training_files":[{"file_id":"${fileId}","weight":1e999}],"hyperparameters":{}}`,
  });
  assert.equal(res.status, 422);
  const { detail } = (await res.json()) as { detail: Array<{ loc: unknown[]; msg: string }> };
  assert.deepEqual(detail[0]!.loc, ['body', 'training_files', 0, 'weight']);
  assert.match(detail[0]!.msg, /training_files\[0\]\.weight/);
  for (const weight of [0, -1]) {
    await assert.rejects(client.fineTuning.jobs.create({ model: 'selftune-tiny', trainingFiles: [{ fileId, weight }], hyperparameters: {} }), (err: unknown) =>
      err instanceof SDKError && err.statusCode === 422 && /greater than 0/.test(err.body));
  }
});
