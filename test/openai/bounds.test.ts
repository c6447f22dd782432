import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { HYPERPARAMETER_BOUNDS as B } from '../../src/jobs/hyperparameter-bounds.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// Every numeric hyperparameter of the OpenAI dialect has a maximum; one step
// beyond it is a 400 in OpenAI's shape naming the field and the range, and
// nothing is created.

let t: TestServer;
let trainingFile: string;
before(async () => {
  t = await startServer();
  trainingFile = (await t.client.files.create({ file: await toFile(Buffer.from(demoTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' })).id;
});
after(() => t.close());

type Params = OpenAI.FineTuning.JobCreateParams;

async function refused(extra: Partial<Params>, param: string, max: number) {
  const body = { model: 'selftune-tiny', training_file: trainingFile, ...extra } as Params;
  await assert.rejects(t.client.fineTuning.jobs.create(body), (err: unknown) => {
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.param, param);
    assert.equal(err.code, 'value_above_maximum');
    assert.equal((err.error as { type: string }).type, 'invalid_request_error');
    assert.match(err.message, new RegExp(`Invalid '${param.replace(/[.[\]]/g, '\\$&')}': must be .*at most ${max}`));
    return true;
  });
}

test('values beyond each maximum are refused, naming the field and the range', async () => {
  await refused({ hyperparameters: { n_epochs: B.n_epochs.max + 1 } }, 'hyperparameters.n_epochs', B.n_epochs.max);
  await refused({ hyperparameters: { batch_size: B.batch_size.max + 1 } }, 'hyperparameters.batch_size', B.batch_size.max);
  await refused({ hyperparameters: { learning_rate_multiplier: 1e308 } }, 'hyperparameters.learning_rate_multiplier', B.learning_rate_multiplier.max);
  const supervised = (hyperparameters: object): Partial<Params> => ({ method: { type: 'supervised', supervised: { hyperparameters } } });
  await refused(supervised({ n_epochs: Number.MAX_SAFE_INTEGER }), 'method.supervised.hyperparameters.n_epochs', B.n_epochs.max);
  await refused(supervised({ batch_size: 1e12 }), 'method.supervised.hyperparameters.batch_size', B.batch_size.max);
  const dpo: Partial<Params> = { method: { type: 'dpo', dpo: { hyperparameters: { beta: B.beta.max + 0.5 } } } };
  await refused(dpo, 'method.dpo.hyperparameters.beta', B.beta.max);
  await refused({ seed: B.seed.max + 1 }, 'seed', B.seed.max);
  assert.equal((await t.client.fineTuning.jobs.list()).data.length, 0, 'nothing was created');
});

test('the maxima themselves are accepted', async () => {
  const job = await t.client.fineTuning.jobs.create({
    model: 'selftune-tiny',
    training_file: trainingFile,
    seed: B.seed.max,
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: B.n_epochs.max, batch_size: B.batch_size.max, learning_rate_multiplier: B.learning_rate_multiplier.max } } },
  });
  assert.equal(job.seed, B.seed.max);
  assert.deepEqual(job.method?.supervised?.hyperparameters, { n_epochs: B.n_epochs.max, batch_size: B.batch_size.max, learning_rate_multiplier: B.learning_rate_multiplier.max });
  await t.client.fineTuning.jobs.cancel(job.id);
});
