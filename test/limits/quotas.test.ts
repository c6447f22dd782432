import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SDKError } from '@mistralai/mistralai/models/errors/index.js';
import OpenAI, { RateLimitError } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { rawRequest, multipartBody } from '../edge/raw-http.ts';
import { upload } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openAiClient } from '../helpers/tenants.ts';
import { createJob, mistralClient, uploadMistral } from '../mistral/mistral-helpers.ts';

// The project quotas, set through the Admin API extension, through both SDKs:
// unfinished fine-tuning jobs and stored bytes, each refused with a clear 429.

const ADMIN_KEY = 'sk-admin-quotas-0123456789abcdef';
const KEY = 'member-key-quotas';
let t: TestServer;
let admin: OpenAI;
let client: OpenAI;

before(async () => {
  t = await startServer({ adminKey: ADMIN_KEY, apiKeys: KEY });
  admin = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${t.url}/v1`, maxRetries: 0 });
  client = openAiClient(t, KEY);
});
after(() => t?.close());

const setQuotas = (body: object) => admin.post('/organization/projects/proj_default/quotas', { body }) as Promise<Record<string, unknown>>;
const quotas = () => admin.get('/organization/projects/proj_default/quotas') as Promise<{ usage: { active_fine_tuning_jobs: number; storage_bytes: number } }>;
const listing = async () => (await client.files.list()).data.map((f) => f.id).sort();
const leftovers = async () => (await readdir(join(t.dataDir, 'tmp')).catch(() => [])).length;

test('unfinished jobs: one over the quota is refused with 429 through both SDKs, and allowed once a job is cancelled', async () => {
  assert.deepEqual(await setQuotas({ max_concurrent_fine_tuning_jobs: 1 }), {
    object: 'project.quotas', project_id: 'proj_default', max_concurrent_fine_tuning_jobs: 1, max_storage_bytes: 0, usage: { active_fine_tuning_jobs: 0, storage_bytes: 0 },
  });
  const mistral = mistralClient(t, KEY);
  const training = await uploadMistral(mistral, demoTrainingJsonl());
  // auto_start false: the job waits in VALIDATED, unfinished, until started or cancelled.
  const first = await createJob(mistral, { model: 'selftune-tiny', trainingFiles: [{ fileId: training.id, weight: 1 }], hyperparameters: { trainingSteps: 5 } });
  assert.equal((await quotas()).usage.active_fine_tuning_jobs, 1);

  const refused = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id }).catch((e: unknown) => e);
  assert.ok(refused instanceof RateLimitError, String(refused));
  assert.equal(refused.code, 'active_jobs_quota_exceeded');
  assert.equal(refused.type, 'insufficient_quota');
  assert.equal(refused.headers.get('x-should-retry'), 'false', 'a retry in seconds cannot help');
  assert.match(refused.message, /has 1 unfinished fine-tuning jobs and its quota \(max_concurrent_fine_tuning_jobs\) is 1/);

  const viaMistral = await createJob(mistral, { model: 'selftune-tiny', trainingFiles: [{ fileId: training.id, weight: 1 }], hyperparameters: { trainingSteps: 5 } }).catch((e: unknown) => e);
  assert.ok(viaMistral instanceof SDKError, String(viaMistral));
  assert.equal(viaMistral.statusCode, 429);
  assert.equal(JSON.parse(viaMistral.body).code, 'active_jobs_quota_exceeded');

  await mistral.fineTuning.jobs.cancel({ jobId: first.id });
  const second = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id });
  await client.fineTuning.jobs.cancel(second.id);
  await setQuotas({ max_concurrent_fine_tuning_jobs: null });
});

test('storage: an upload past the quota is refused with 429 and leaves nothing behind; a declared length past it is refused before its body', async () => {
  const used = (await quotas()).usage.storage_bytes;
  assert.ok(used > 0, 'the training file of the test before');
  await setQuotas({ max_storage_bytes: used + 100 });
  const before = await listing();

  const refused = await upload(client, 'x'.repeat(200), 'big.jsonl', 'batch').catch((e: unknown) => e);
  assert.ok(refused instanceof RateLimitError, String(refused));
  assert.equal(refused.code, 'storage_quota_exceeded');
  assert.equal(refused.headers.get('x-should-retry'), 'false');
  assert.match(refused.message, new RegExp(`\\(200 bytes\\) would take project proj_default past its storage quota \\(max_storage_bytes\\): ${used.toLocaleString('en-US')} bytes of ${(used + 100).toLocaleString('en-US')} bytes are in use`));
  assert.deepEqual(await listing(), before, 'no file record');
  assert.equal(await leftovers(), 0, 'nothing staged');

  const viaMistral = await uploadMistral(mistralClient(t, KEY), `{"text":"${'y'.repeat(190)}"}\n`, 'big.jsonl').catch((e: unknown) => e);
  assert.ok(viaMistral instanceof SDKError, String(viaMistral));
  assert.equal(viaMistral.statusCode, 429);
  assert.equal(JSON.parse(viaMistral.body).code, 'storage_quota_exceeded');

  // Declares 100 MiB (within the upload limit, past the quota) and sends a few bytes: answered
  // from the header alone, the connection closed. (Past the upload limit it is a 413: test/edge/upload-limits.test.ts.)
  const { body, headers } = multipartBody('filename="huge.jsonl"', '{"a":1}\n');
  const early = await rawRequest(t.url, 'POST', '/v1/files', { authorization: `Bearer ${KEY}`, ...headers, 'content-length': String(100 * 1024 ** 2) }, body.subarray(0, 13));
  assert.equal(early.status, 429);
  assert.equal((early.json() as { error: { code: string } }).error.code, 'storage_quota_exceeded');
  assert.equal(early.headers.connection, 'close');

  const small = await upload(client, 'z'.repeat(90), 'small.jsonl', 'batch');
  assert.deepEqual(await listing(), [...before, small.id].sort(), 'what fits is stored');
  assert.equal(await leftovers(), 0);
});
