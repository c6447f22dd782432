import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { demoExamples, toJsonl } from '../../src/demo/demo-data.ts';
import { allEvents, isFinished, upload, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';

// Every kind of bad input gets OpenAI's error envelope naming what is wrong,
// and leaves nothing behind.

let t: TestServer;
let trainingId: string;
before(async () => {
  t = await startServer({ maxUploadBytes: 64 * 1024 });
  trainingId = (await uploadDemo(t.client)).training.id;
});
after(() => t.close());

interface ApiErr {
  status: number;
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function rejectsWith(p: Promise<unknown>, status: number, param: string | null, pattern: RegExp) {
  await assert.rejects(p, (err: ApiErr) => {
    assert.equal(err.status, status, JSON.stringify(err.error));
    assert.equal(err.error.type, status === 404 ? 'invalid_request_error' : err.error.type);
    assert.equal(err.error.param, param, err.error.message);
    assert.match(err.error.message, pattern);
    assert.ok('code' in err.error);
    return true;
  });
}

const raw = (path: string, init: RequestInit) => fetch(`${t.url}/v1${path}`, init);

test('malformed JSON and wrong content get the error envelope', async () => {
  const res = await raw('/fine_tuning/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ' });
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type')!, /application\/json/);
  assert.match(res.headers.get('x-request-id')!, /^req_[0-9a-f]{32}$/);
  const body = (await res.json()) as ApiErr;
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.match(body.error.message, /could not parse the JSON body/);
  const unknownRoute = await raw('/nothing/here', { method: 'GET' });
  assert.equal(unknownRoute.status, 404);
  assert.equal(((await unknownRoute.json()) as ApiErr).error.type, 'invalid_request_error');
});

test('job requests with wrong types, unknown fields and absurd values are refused field by field', async () => {
  const { client } = t;
  const create = (body: Record<string, unknown>) =>
    client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: trainingId, ...body } as OpenAI.FineTuning.JobCreateParams);
  await rejectsWith(create({ model: 42 }), 400, 'model', /Invalid 'model': expected string, but got number/);
  await rejectsWith(create({ training_file: undefined }), 400, 'training_file', /Missing required parameter: 'training_file'/);
  await rejectsWith(create({ colour: 'blue' }), 400, 'colour', /Unrecognized request argument supplied: colour/);
  await rejectsWith(create({ hyperparameters: { n_epochs: -1 } }), 400, 'hyperparameters.n_epochs', /Invalid 'hyperparameters.n_epochs'/);
  await rejectsWith(create({ hyperparameters: { n_epochs: 1000 } }), 400, 'hyperparameters.n_epochs', /Invalid 'hyperparameters.n_epochs'/);
  await rejectsWith(create({ hyperparameters: { learning_rate_multiplier: 1e6 } }), 400, 'hyperparameters.learning_rate_multiplier', /Invalid/);
  await rejectsWith(create({ hyperparameters: { batch_size: 0 } }), 400, 'hyperparameters.batch_size', /Invalid/);
  await rejectsWith(create({ hyperparameters: { epochs: 3 } }), 400, 'hyperparameters.epochs', /Unrecognized request argument supplied in 'hyperparameters': epochs/);
  await rejectsWith(create({ suffix: 'x'.repeat(65) }), 400, 'suffix', /Invalid 'suffix'/);
  await rejectsWith(create({ suffix: 'has:colon' }), 400, 'suffix', /may only contain/);
  await rejectsWith(create({ seed: -5 }), 400, 'seed', /Invalid 'seed'/);
  await rejectsWith(create({ metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }), 400, 'metadata', /at most 16 properties/);
  await rejectsWith(create({ metadata: { k: 'v'.repeat(513) } }), 400, 'metadata.k', /Invalid 'metadata.k'/);
  await rejectsWith(create({ integrations: [{ type: 'wandb', wandb: {} }] }), 400, 'integrations[0].wandb.project', /Missing required parameter/);
  await rejectsWith(create({ model: 'no-such-model' }), 400, 'model', /Model no-such-model is not available for fine-tuning or does not exist/);
  await rejectsWith(create({ training_file: 'file-doesnotexist' }), 400, 'training_file', /invalid training_file: file-doesnotexist/);
  await rejectsWith(create({ validation_file: 'file-000000000000000000000001' }), 400, 'validation_file', /invalid validation_file/);
  await rejectsWith(create({ method: { type: 'reinforcement', reinforcement: {} } }), 400, 'method.type', /not supported yet/);
  await rejectsWith(
    create({ hyperparameters: { n_epochs: 2 }, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 3 } } } }),
    400,
    'hyperparameters',
    /both in 'hyperparameters' and in 'method'/,
  );
  const batch = await upload(client, '{"a":1}\n', 'batch.jsonl', 'batch');
  await rejectsWith(create({ training_file: batch.id }), 400, 'training_file', /has purpose 'batch'/);
  assert.deepEqual((await client.fineTuning.jobs.list()).data, [], 'no job was created by any of these');
});

test('unknown ids answer 404', async () => {
  const { client } = t;
  await rejectsWith(client.fineTuning.jobs.retrieve('ftjob-doesnotexist'), 404, 'fine_tuning_job_id', /No such fine-tuning job: ftjob-doesnotexist/);
  await rejectsWith(client.fineTuning.jobs.cancel('ftjob-000000000000000000000000'), 404, 'fine_tuning_job_id', /No such fine-tuning job/);
  await rejectsWith(client.fineTuning.jobs.listEvents('ftjob-x'), 404, 'fine_tuning_job_id', /No such fine-tuning job/);
  await rejectsWith(client.files.retrieve('file-nope'), 404, 'id', /No such File object: file-nope/);
  await rejectsWith(client.files.delete('file-nope'), 404, 'id', /No such File object/);
  await rejectsWith(client.models.retrieve('ft:selftune-tiny:default::AbCdEfGh'), 404, 'model', /does not exist/);
});

async function stagedAndStored() {
  const names = async (dir: string) => (await readdir(join(t.dataDir, dir)).catch(() => [])).sort();
  return { staged: await names('tmp'), stored: await names('files') };
}

test('rejected uploads leave nothing behind', async () => {
  const { client } = t;
  const before = await stagedAndStored();
  const countBefore = (await client.files.list()).data.length;
  await rejectsWith(upload(client, '', 'empty.jsonl'), 400, 'file', /empty/);
  await rejectsWith(upload(client, Buffer.from([0x7b, 0x00, 0x01, 0xff, 0x7d, 0x0a]), 'bin.jsonl'), 400, 'file', /line 1/i);
  await rejectsWith(upload(client, 'hello there\n{"a":1}\n', 'text.jsonl'), 400, 'file', /Line 1 is not a dictionary/);
  await rejectsWith(upload(client, '{"a":1}\n[1,2]\n', 'arr.jsonl'), 400, 'file', /Line 2 is not a dictionary/);
  await rejectsWith(upload(client, toJsonl(demoExamples(3)), 'train.txt'), 400, 'file', /Must be \.jsonl/);
  await rejectsWith(upload(client, 'x'.repeat(70 * 1024), 'big.jsonl'), 413, 'file', /larger than the 65536-byte upload limit/);
  await assert.rejects(client.files.create({ file: await toFile(Buffer.from('{}\n'), 'a.jsonl'), purpose: 'nonsense' as 'fine-tune' }), (err: ApiErr) => err.status === 400 && err.error.param === 'purpose');
  assert.deepEqual(await stagedAndStored(), before);
  assert.equal((await client.files.list()).data.length, countBefore);
});

test('a job whose data is bad fails validation naming each bad line, and keeps its events', async () => {
  const { client } = t;
  const good = demoExamples(12).map((e) => JSON.stringify(e));
  const lines = [...good];
  lines[1] = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'bot', content: 'hello' }] });
  lines[4] = JSON.stringify({ messages: [{ role: 'user', content: 'no answer' }] });
  lines[7] = JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', weight: 2 }] });
  const file = await upload(client, `${lines.join('\n')}\n`, 'bad.jsonl');
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id });
  const failed = await waitForJob(client, job.id, isFinished);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error!.param, 'training_file');
  assert.equal(failed.error!.code, 'invalid_file_format');
  assert.match(failed.error!.message, /3 line\(s\) are invalid/);
  assert.match(failed.error!.message, /line 2: messages\[1\]\.role: unrecognized role 'bot'/);
  assert.match(failed.error!.message, /line 5: .*assistant/);
  assert.match(failed.error!.message, /line 8: messages\[1\]\.weight/);
  const events = await allEvents(client, job.id);
  assert.equal(events.at(-1)!.level, 'error');
  assert.equal(events.at(-1)!.message, failed.error!.message);
  assert.ok(events[0]!.message.startsWith('Created fine-tuning job'));
  assert.ok(failed.finished_at);
});

test('too few examples fails with invalid_n_examples', async () => {
  const { client } = t;
  const file = await upload(client, toJsonl(demoExamples(3)), 'small.jsonl');
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id });
  const failed = await waitForJob(client, job.id, isFinished);
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.error, { code: 'invalid_n_examples', message: 'Training file has 3 example(s), but must have at least 10 examples', param: 'training_file' });
});

test('a file used by an active job cannot be deleted; cancelling or finishing frees it', async () => {
  const { client } = t;
  const file = await upload(client, toJsonl(demoExamples(12)), 'inuse.jsonl');
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id, hyperparameters: { n_epochs: 50 } });
  await rejectsWith(client.files.delete(file.id), 400, 'id', /in use by fine-tuning job/);
  await client.fineTuning.jobs.cancel(job.id);
  await waitForJob(client, job.id, (j) => j.status === 'cancelled');
  // The worker may still be stopping for a moment after the API says cancelled.
  await waitForJob(client, job.id, () => true);
  let refused: ApiErr | undefined;
  const res = await waitUntil(async () => {
    const r = await client.files.delete(file.id).then((d) => d, (e: ApiErr) => e);
    if ('deleted' in r) return r;
    refused = r;
  }, { what: () => `the file to be deletable (last answer: ${JSON.stringify(refused)})` });
  assert.equal(res.deleted, true);
});
