import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTPValidationError } from '@mistralai/mistralai/models/errors/index.js';
import OpenAI, { toFile } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { toOpenAiId } from '../../src/ids/ids.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { sentimentJsonl } from './classifier-data.ts';
import { mistralClient, uploadMistral } from './mistral-helpers.ts';

// Files through the Mistral SDK, signed download links, and bad input in Mistral's error shapes.

let t: TestServer;
before(async () => {
  t = await startServer({ apiKeys: 'good-key' });
});
after(() => t.close());

test('upload, list with filters, retrieve, download, signed URLs, delete', async () => {
  const client = mistralClient(t, 'good-key');
  const chat = await uploadMistral(client, demoTrainingJsonl(), 'chat.jsonl');
  const labelled = await uploadMistral(client, sentimentJsonl(12, 1), 'labels.jsonl');
  assert.deepEqual([chat.purpose, chat.sampleType, chat.source, chat.numLines, chat.sizeBytes], ['fine-tune', 'instruct', 'upload', 24, Buffer.byteLength(demoTrainingJsonl())]);
  const got = await client.files.retrieve({ fileId: chat.id });
  assert.equal(got.deleted, false);
  assert.equal(got.visibility, 'workspace');
  const all = await client.files.list({ pageSize: 1 });
  assert.equal(all.total, 2);
  assert.equal(all.data.length, 1);
  assert.deepEqual((await client.files.list({ sampleType: ['instruct'] })).data.map((f) => f.id), [chat.id]);
  assert.deepEqual((await client.files.list({ search: 'CHAT' })).data.map((f) => f.id), [chat.id]);
  assert.equal((await client.files.list({ source: ['repository'] })).total, 0);
  assert.equal((await client.files.list({ mimetypes: ['application/jsonl'], purpose: 'fine-tune' })).total, 2);

  const stream = await client.files.download({ fileId: chat.id });
  assert.equal(await new Response(stream).text(), demoTrainingJsonl());

  const { url } = await client.files.getSignedUrl({ fileId: chat.id, expiry: 1 });
  const plain = await fetch(url); // no API key
  assert.equal(plain.status, 200);
  assert.equal(await plain.text(), demoTrainingJsonl());
  const tampered = new URL(url);
  tampered.pathname = tampered.pathname.replace(chat.id, labelled.id);
  assert.equal((await fetch(tampered)).status, 403, 'a signature is for one file');
  const forged = new URL(url);
  forged.searchParams.set('expires', String(Number(forged.searchParams.get('expires')) + 3600));
  assert.equal((await fetch(forged)).status, 403, 'the expiry is signed');
  const expired = new URL(url);
  const realNow = t.server.ctx.clock.nowMs;
  t.server.ctx.clock.nowMs = () => realNow() + 2 * 3600 * 1000;
  try {
    const res = await fetch(expired);
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { message: string }).message, /expired/);
  } finally {
    t.server.ctx.clock.nowMs = realNow;
  }
  assert.equal((await fetch(`${t.url}/mistral/v1/files/${chat.id}/content`)).status, 401, 'without a signature the key is required');

  assert.deepEqual(await client.files.delete({ fileId: labelled.id }), { id: labelled.id, object: 'file', deleted: true });
  await assert.rejects(client.files.retrieve({ fileId: labelled.id }), (e: Error) => /Status 404/.test(e.message));
});

test('the same name and content uploaded again returns the stored file, as Mistral does', async () => {
  const client = mistralClient(t, 'good-key');
  const first = await uploadMistral(client, demoTrainingJsonl(), 'again.jsonl');
  const second = await uploadMistral(client, demoTrainingJsonl(), 'again.jsonl');
  assert.equal(second.id, first.id);
  const renamed = await uploadMistral(client, demoTrainingJsonl(), 'other-name.jsonl');
  assert.notEqual(renamed.id, first.id);
  const changed = await uploadMistral(client, `${demoTrainingJsonl()}${demoTrainingJsonl()}`, 'again.jsonl');
  assert.notEqual(changed.id, first.id);
  // The OpenAI dialect keeps every upload, as OpenAI does.
  const openai = new OpenAI({ apiKey: 'good-key', baseURL: `${t.url}/v1` });
  const viaOpenAi = await openai.files.create({ file: await toFile(Buffer.from(demoTrainingJsonl()), 'again.jsonl'), purpose: 'fine-tune' });
  assert.notEqual(viaOpenAi.id, toOpenAiId('file', first.id));
  for (const id of [first.id, renamed.id, changed.id]) await client.files.delete({ fileId: id });
  await openai.files.delete(viaOpenAi.id);
});

test('bad input is answered in Mistral shapes', async () => {
  const client = mistralClient(t, 'good-key');
  const post = (body: unknown) =>
    fetch(`${t.url}/mistral/v1/fine_tuning/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer good-key' }, body: JSON.stringify(body) });
  const noData = await post({ model: 'selftune-tiny', hyperparameters: {} });
  assert.equal(noData.status, 422);
  assert.deepEqual(await noData.json(), { detail: [{ type: 'value_error', loc: ['body', 'job_in'], msg: 'Value error, At least one training file or repository is required.' }] });
  const longSuffix = (await (await post({ model: 'selftune-tiny', training_files: [], suffix: 'x'.repeat(19), hyperparameters: {} })).json()) as { detail: Array<{ loc: unknown[] }> };
  assert.deepEqual(longSuffix.detail[0]!.loc, ['body', 'suffix']);
  const extra = (await (await post({ model: 'm', hyperparameters: {}, surprise: 1 })).json()) as { detail: Array<{ type: string }> };
  assert.equal(extra.detail[0]!.type, 'unknown_parameter');
  const badKey = (await (await post({ model: 'm', hyperparameters: {}, integrations: [{ project: 'p', api_key: 'short' }] })).json()) as { detail: Array<{ loc: unknown[] }> };
  assert.deepEqual(badKey.detail[0]!.loc, ['body', 'integrations', 0, 'api_key']);
  const skip = (await (await post({ model: 'm', hyperparameters: {}, invalid_sample_skip_percentage: 0.9 })).json()) as { detail: Array<{ loc: unknown[] }> };
  assert.deepEqual(skip.detail[0]!.loc, ['body', 'invalid_sample_skip_percentage']);

  const unknownJob = await fetch(`${t.url}/mistral/v1/fine_tuning/jobs/00000000-0000-0000-0000-000000000000`, { headers: { authorization: 'Bearer good-key' } });
  assert.equal(unknownJob.status, 404);
  assert.deepEqual(Object.keys((await unknownJob.json()) as object).sort(), ['code', 'message', 'object', 'param', 'type']);
  const noModel = await post({ model: 'no-such-model', training_files: ['00000000-0000-0000-0000-000000000000'], hyperparameters: {} });
  assert.equal(noModel.status, 400);
  assert.equal(((await noModel.json()) as { object: string }).object, 'error');

  // Routes that declare 422 surface it as the SDK's HTTPValidationError.
  await assert.rejects(client.classifiers.classify({ model: '', inputs: ['x'] }), (e: unknown) => e instanceof HTTPValidationError && e.detail![0]!.loc[1] === 'model');
  await assert.rejects(mistralClient(t, 'bad-key').models.list(), (e: Error) => /Status 401/.test(e.message));
});
