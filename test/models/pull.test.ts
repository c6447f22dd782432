import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Mistral } from '@mistralai/mistralai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { createJob, uploadMistral, waitMistral } from '../mistral/mistral-helpers.ts';
import { FakeHub } from '../helpers/fake-hub.ts';
import { isFinished, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { runCli } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';

// Models in from a Hugging Face hub (a loopback stand-in serving selftune-tiny's
// files as `testorg/…` repositories), then used under their `org/name` id
// through both SDKs.

const TOKEN = 'hf_selftune_test_token';
let t: TestServer;
let hub: FakeHub;

before(async () => {
  hub = await FakeHub.start();
  // The server's pull subprocesses inherit these, as they would from `selftune serve`.
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_TOKEN = TOKEN;
  t = await startServer();
  const tiny = join(t.dataDir, 'models', 'selftune-tiny');
  const otherFormats = { 'pytorch_model.bin': Buffer.alloc(4096, 1), 'model.gguf': Buffer.alloc(4096, 2) };
  await hub.addRepo('testorg/tiny-chat', tiny, otherFormats);
  await hub.addRepo('testorg/resumable', tiny);
});
after(async () => {
  await t.close();
  await hub.close();
});

interface WirePull { id: string; status: string; bytes_done: number; bytes_total: number | null; error: { code: string; message: string } | null; skipped_files: string[] }

async function pullThroughApi(model: string): Promise<WirePull> {
  let pull = await t.client.post<WirePull>('/model_pulls', { body: { model } });
  const { id } = pull;
  return waitUntil(async () => {
    pull = await t.client.get<WirePull>(`/model_pulls/${id}`);
    return pull.status !== 'running' && pull;
  }, { intervalMs: 200, what: () => `pull ${model} to end (still ${JSON.stringify(pull)})` });
}

test('models pull downloads safetensors only, with progress, sending HF_TOKEN', async () => {
  const run = await runCli(t.url, 'models', 'pull', 'testorg/tiny-chat');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /succeeded \[#{30}\] [\d.]+ MB \/ [\d.]+ MB \d+\/\d+ files/);
  assert.match(run.stderr, /skipped .*pytorch_model\.bin/);
  const folder = join(t.dataDir, 'models', 'testorg', 'tiny-chat');
  const files = await readdir(folder);
  assert.ok(files.includes('model.safetensors') && files.includes('config.json') && files.includes('tokenizer.json'), files.join());
  assert.ok(!files.includes('pytorch_model.bin') && !files.includes('model.gguf'), files.join());
  assert.ok(!files.some((f) => f.startsWith('.')), `no staging leftovers: ${files.join()}`);
  assert.deepEqual(await readFile(join(folder, 'model.safetensors')), hub.file('testorg/tiny-chat', 'model.safetensors'));
  const fetched = hub.requests.filter((r) => r.path.includes('testorg/tiny-chat'));
  assert.ok(!fetched.some((r) => /\.(bin|gguf)$/.test(r.path)), 'other weight formats are never requested');
  for (const r of fetched) assert.equal(r.authorization, `Bearer ${TOKEN}`, r.path);
  assert.ok((await t.client.models.list()).data.some((m) => m.id === 'testorg/tiny-chat'));
});

test('a pulled org/name model fine-tunes, and its slash ids work through both SDKs', async () => {
  const { client } = t;
  assert.equal((await client.models.retrieve('testorg/tiny-chat')).id, 'testorg/tiny-chat');
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'testorg/tiny-chat', training_file: training.id, hyperparameters: { n_epochs: 1 } });
  const done = await waitForJob(client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const id = done.fine_tuned_model!;
  assert.match(id, /^ft:testorg\/tiny-chat:default::[0-9A-Za-z]{8}$/);
  assert.equal((await client.models.retrieve(id)).id, id);
  const chat = await client.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
  assert.equal(chat.model, id);
  assert.ok(chat.usage!.completion_tokens > 0);

  const mistral = new Mistral({ apiKey: 'test-key', serverURL: `${t.url}/mistral` });
  assert.equal((await mistral.models.retrieve({ modelId: id })).id, id);
  assert.equal((await mistral.models.retrieve({ modelId: 'testorg/tiny-chat' })).id, 'testorg/tiny-chat');
  assert.equal((await mistral.models.archive({ modelId: id })).archived, true);
  assert.equal((await mistral.models.unarchive({ modelId: id })).archived, false);
  const reply = await mistral.chat.complete({ model: id, messages: [{ role: 'user', content: 'Hi' }], maxTokens: 4 });
  assert.equal(reply.model, id);
  const file = await uploadMistral(mistral, demoTrainingJsonl());
  const mistralJob = await createJob(mistral, { model: 'testorg/tiny-chat', trainingFiles: [{ fileId: file.id, weight: 1 }], hyperparameters: { trainingSteps: 2 }, autoStart: false });
  assert.equal(mistralJob.model, 'testorg/tiny-chat');
  const validated = await waitMistral(mistral, mistralJob.id, (j) => j.status !== 'QUEUED' && j.status !== 'VALIDATING');
  assert.equal(validated.status, 'VALIDATED', JSON.stringify(validated.events?.at(-1)));

  assert.equal((await client.models.delete(id)).deleted, true);
  await assert.rejects(client.models.retrieve(id), (e: { status: number }) => e.status === 404);
});

test('an interrupted pull is never listed, and the next pull resumes the partial file with a Range request', async () => {
  const size = hub.file('testorg/resumable', 'model.safetensors')!.length;
  hub.drop = { file: 'model.safetensors', afterBytes: Math.floor(size / 3) };
  const failed = await pullThroughApi('testorg/resumable');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error!.code, 'download_interrupted', failed.error!.message);
  assert.ok(failed.bytes_done > 0 && failed.bytes_done < failed.bytes_total!, JSON.stringify(failed));
  assert.equal(await stat(join(t.dataDir, 'models', 'testorg', 'resumable')).catch(() => null), null, 'no model folder yet');
  const listed = (await t.client.models.list({ query: { include_unusable: true } })).data.map((m) => m.id);
  assert.ok(!listed.includes('testorg/resumable'), listed.join());

  hub.drop = null;
  const before = hub.requests.length;
  const done = await pullThroughApi('testorg/resumable');
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const resumed = hub.requests.slice(before).filter((r) => r.path.endsWith('/model.safetensors') && r.method === 'GET');
  assert.equal(resumed.length, 1);
  const from = Number(/^bytes=(\d+)-$/.exec(resumed[0]!.range ?? '')?.[1]);
  assert.ok(from >= Math.floor(size / 3) * 0.5 && from <= Math.floor(size / 3), `resumed from byte ${from} (range ${resumed[0]!.range})`);
  assert.equal(resumed[0]!.sent, size - from, 'only the missing bytes were sent');
  assert.deepEqual(await readFile(join(t.dataDir, 'models', 'testorg', 'resumable', 'model.safetensors')), hub.file('testorg/resumable', 'model.safetensors'));
  assert.ok((await t.client.models.list()).data.some((m) => m.id === 'testorg/resumable'));
});

test('bad pulls are refused or fail with the reason', async () => {
  for (const model of ['../etc', 'a/b/c', '/abs', 'ft:x:y']) {
    await assert.rejects(t.client.post('/model_pulls', { body: { model } }), (e: { status: number; error: { code: string } }) => e.status === 400 && e.error.code === 'invalid_model_id', model);
  }
  const missing = await pullThroughApi('testorg/nope');
  assert.equal(missing.status, 'failed');
  assert.equal(missing.error!.code, 'repository_not_found', missing.error!.message);
  const cli = await runCli(t.url, 'models', 'pull', 'testorg/nope');
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /testorg\/nope is not a model repository/);
});
