import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { toFile } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { parseRecordId, toOpenAiId } from '../../src/ids/ids.ts';
import { routesOf } from '../../src/server/route-list.ts';
import { isFinished, upload, waitForJob } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createTenant, openAiClient, type TestTenant } from '../helpers/tenants.ts';
import { sentimentJsonl } from '../mistral/classifier-data.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from '../mistral/mistral-helpers.ts';
import { MATRIX, missingRecords, organizationProbes, type Own, type Probe, type Records, type Request } from './matrix-routes.ts';

// Projects are the unit of isolation. Project A1 (organization A) trains a
// model and a classifier; then its sibling project A2, project B of another
// organization and the default organization's admin call every route of both
// dialects with A1's ids. Each is answered exactly as for ids that do not
// exist (404, or 403 for a forged signed link), in the dialect's envelope;
// lists show none of A1's records; A1's records are unchanged afterwards.

const ADMIN_KEY = 'sk-admin-matrix-0123456789abcdef';
const TRAINING = demoTrainingJsonl();

let t: TestServer;
let a1: TestTenant;
let a2: TestTenant;
let b: TestTenant;
let records: Records;
/** Every id of A1's records in both dialects' spellings: none may appear in another project's answer. */
let a1Ids: string[];
/** The spellings of each of those records (an error may repeat the id it was asked about in either). */
let a1Spellings: string[][];

interface Intruder {
  name: string;
  key: string;
  own: Own;
}
let intruders: Intruder[];

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

async function call(key: string, req: Request): Promise<Answer> {
  const res = await fetch(`${t.url}${req.path}`, {
    method: req.method,
    headers: { authorization: `Bearer ${key}`, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the envelope check below fails with the text
  }
  return { status: res.status, body, text };
}

/** The error's code in the dialect's envelope; fails when the answer is not in that envelope. */
function errorCode(path: string, a: Answer): string {
  const body = a.body as Record<string, unknown> | null;
  if (path.startsWith('/mistral/')) {
    if (Array.isArray(body?.detail)) return String((body.detail[0] as { type: string }).type);
    assert.equal(body?.object, 'error', `Mistral envelope for ${path}: ${a.text}`);
    return String(body!.code);
  }
  const error = body?.error as Record<string, unknown> | undefined;
  assert.ok(error && typeof error.message === 'string' && typeof error.type === 'string', `OpenAI envelope for ${path}: ${a.text}`);
  return String(error.code);
}

/** What A1 sees of its own records: must read the same after everyone else's attempts. */
async function a1View(): Promise<string> {
  const paths = [
    '/v1/files?limit=100',
    '/v1/fine_tuning/jobs?limit=100',
    '/v1/models',
    `/v1/files/${toOpenAiId('file', records.fileUuid)}`,
    ...[records.jobUuid, records.classifierJobUuid].flatMap((j) => [
      `/v1/fine_tuning/jobs/${toOpenAiId('job', j)}/events?limit=1000`,
      `/v1/fine_tuning/jobs/${toOpenAiId('job', j)}/checkpoints?limit=100`,
      `/mistral/v1/fine_tuning/jobs/${j}`,
    ]),
    ...[records.model, records.checkpointModel, records.classifierModel].map((m) => `/mistral/v1/models/${encodeURIComponent(m)}`),
    `/v1/webhook_endpoints/${records.webhookEndpointId}`,
  ];
  const view: Record<string, unknown> = {};
  for (const path of paths) {
    const a = await call(a1.key, { method: 'GET', path });
    assert.equal(a.status, 200, `A1 reads ${path}: ${a.text}`);
    view[path] = a.body;
  }
  const content = await fetch(`${t.url}/v1/files/${toOpenAiId('file', records.fileUuid)}/content`, { headers: { authorization: `Bearer ${a1.key}` } });
  view.content = createHash('sha256').update(Buffer.from(await content.arrayBuffer())).digest('hex');
  return JSON.stringify(view);
}

async function ownThings(key: string): Promise<Own> {
  const file = await uploadMistral(mistralClient(t, key), TRAINING, 'own.jsonl');
  const link = await call(key, { method: 'GET', path: `/mistral/v1/files/${file.id}/url` });
  assert.equal(link.status, 200, link.text);
  return { fileUuid: file.id, signedQuery: new URL((link.body as { url: string }).url).search.slice(1) };
}

before(async () => {
  t = await startServer({ adminKey: ADMIN_KEY });
  a1 = await createTenant(t, { projectName: 'A1' });
  a2 = await createTenant(t, { orgId: a1.orgId, projectName: 'A2' });
  b = await createTenant(t, { projectName: 'B' });

  // A1: a file, a finished completion job (its checkpoints, result file and models) and a classifier.
  const file = await upload(a1.client, TRAINING, 'train.jsonl');
  const created = await a1.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id, suffix: 'matrix', hyperparameters: { n_epochs: 2 } });
  const mistral = mistralClient(t, a1.key);
  const classifierFile = await uploadMistral(mistral, sentimentJsonl(30, 4), 'sentiment.jsonl');
  const classifierJob = await createJob(mistral, {
    model: 'selftune-tiny', jobType: 'classifier', autoStart: true, trainingFiles: [{ fileId: classifierFile.id, weight: 1 }],
    hyperparameters: { learningRate: 1e-3, trainingSteps: 2 },
  });
  const job = await waitForJob(a1.client, created.id, isFinished);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  const classifier = await waitMistral(mistral, classifierJob.id, isOver);
  assert.equal(classifier.status, 'SUCCESS', JSON.stringify(classifier.events?.at(-1)));
  const endpoint = await a1.client.webhooks.create({ name: 'A1 hooks', url: 'http://127.0.0.1:9/a1', event_types: ['fine_tuning.job.succeeded'] });
  const checkpoints = (await a1.client.fineTuning.jobs.checkpoints.list(job.id)).data;
  const checkpoint = checkpoints.find((c) => c.fine_tuned_model_checkpoint !== job.fine_tuned_model);
  assert.ok(checkpoint, `a checkpoint model besides the final one: ${JSON.stringify(checkpoints)}`);
  const pending = await a1.client.uploads.create({ bytes: 10, filename: 'parts.jsonl', mime_type: 'text/jsonl', purpose: 'fine-tune' });
  await a1.client.uploads.parts.create(pending.id, { data: await toFile(Buffer.from('{"a":1}\n'), 'p') });
  records = {
    uploadUuid: parseRecordId('upload', pending.id)!,
    fileUuid: parseRecordId('file', file.id)!,
    resultFileUuid: parseRecordId('file', job.result_files[0]!)!,
    jobUuid: parseRecordId('job', job.id)!,
    classifierJobUuid: classifierJob.id,
    model: job.fine_tuned_model!,
    checkpointModel: checkpoint.fine_tuned_model_checkpoint,
    classifierModel: classifier.fineTunedModel!,
    projectId: a1.projectId,
    webhookEndpointId: endpoint.id,
  };
  a1Spellings = [
    ...[records.fileUuid, records.resultFileUuid, classifierFile.id].map((f) => [f, toOpenAiId('file', f)]),
    ...[records.jobUuid, records.classifierJobUuid].map((j) => [j, toOpenAiId('job', j)]),
    [records.uploadUuid, toOpenAiId('upload', records.uploadUuid)],
    ...checkpoints.flatMap((c) => [[c.id], [c.fine_tuned_model_checkpoint]]),
    [records.model], [records.classifierModel], [endpoint.id],
  ];
  a1Ids = a1Spellings.flat();

  intruders = [];
  for (const [name, key] of [['A2 (same organization)', a2.key], ['B (another organization)', b.key], ['the default organization\'s admin', ADMIN_KEY]] as const) {
    intruders.push({ name, key, own: await ownThings(key) });
  }
});
after(() => t?.close());

/** Every route of both dialects, as the running server registered them (HEAD answers as GET does). */
const apiRoutes = () => [...new Set(routesOf(t.server.app)
  .filter((r) => r.method !== 'HEAD' && (r.url.startsWith('/v1/') || r.url.startsWith('/mistral/v1/')))
  .map((r) => `${r.method} ${r.url}`))];

function probesOf(route: string): Probe[] {
  const [method, url] = route.split(' ') as [string, string];
  return MATRIX[route] ?? organizationProbes(url, method) ?? [];
}

test('every route of both dialects has an entry in the tenancy matrix, and every entry is a route', () => {
  const routes = apiRoutes();
  assert.ok(routes.length > 30, `routes found: ${routes.join(', ')}`);
  const uncovered = routes.filter((r) => probesOf(r).length === 0);
  assert.deepEqual(uncovered, [], 'routes without a tenancy matrix entry (add them to test/tenancy/matrix-routes.ts)');
  assert.deepEqual(Object.keys(MATRIX).filter((r) => !routes.includes(r)), [], 'matrix entries naming no route');
});

test('another project, in the organization or outside it, can read, change, delete or use none of A1\'s records', async () => {
  const before = await a1View();
  const missing = missingRecords();
  let refusals = 0;
  for (const route of apiRoutes()) {
    for (const probe of probesOf(route)) {
      for (const who of intruders) {
        const context = `${who.name}: ${route}`;
        if (probe.kind === 'refused') {
          const req = probe.request(records, who.own);
          const real = await call(who.key, req);
          const control = await call(who.key, probe.request(missing, who.own));
          assert.ok(probe.statuses.includes(real.status), `${context} ${req.method} ${req.path} → ${real.status} ${real.text}`);
          assert.equal(real.status, control.status, `${context}: answered as for a record that does not exist (${real.text} / ${control.text})`);
          assert.equal(errorCode(req.path, real), errorCode(req.path, control), `${context}: same error code as for a record that does not exist`);
          // An error may repeat the ids it was asked about (and the model a checkpoint's name contains), nothing more.
          const sent = `${decodeURIComponent(req.path)} ${JSON.stringify(req.body)}`;
          const asked = a1Spellings.filter((spellings) => spellings.some((id) => sent.includes(id))).flat();
          for (const id of a1Ids.filter((id) => !asked.some((x) => x.includes(id)))) assert.ok(!real.text.includes(id), `${context} reveals ${id}: ${real.text}`);
          refusals++;
        } else if (probe.kind === 'list') {
          const req = probe.request(records);
          const a = await call(who.key, req);
          assert.equal(a.status, 200, `${context} ${req.path}: ${a.text}`);
          for (const id of a1Ids) assert.ok(!a.text.includes(id), `${context} ${req.path} lists A1's ${id}`);
        } else if (probe.kind === 'adminList') {
          const a = await call(who.key, probe.request);
          assert.ok([200, 403].includes(a.status), `${context}: ${a.status} ${a.text}`);
          for (const id of [records.projectId, ...a1Ids]) assert.ok(!a.text.includes(id), `${context} lists A1's ${id}`);
        } else if (probe.kind === 'upload') {
          // Mistral returns a stored identical upload instead of a copy: never another project's.
          const id = probe.dialect === 'openai'
            ? parseRecordId('file', (await openAiClient(t, who.key).files.create({ file: await toFile(Buffer.from(TRAINING), 'train.jsonl'), purpose: 'fine-tune' })).id)
            : (await uploadMistral(mistralClient(t, who.key), TRAINING, 'train.jsonl')).id;
          assert.notEqual(id, records.fileUuid, `${context}: an identical upload is a file of the caller's own`);
          assert.equal((await call(who.key, { method: 'GET', path: `/mistral/v1/files/${id}` })).status, 200);
        } else {
          assert.ok(probe.reason.length > 0);
        }
      }
    }
  }
  assert.ok(refusals > 100, `refusals checked: ${refusals}`);
  assert.equal(await a1View(), before, "A1's records are unchanged");

  // A1 itself still uses its records: its links, its model and its classifier.
  const link = await call(a1.key, { method: 'GET', path: `/mistral/v1/files/${records.fileUuid}/url` });
  const download = await fetch((link.body as { url: string }).url);
  assert.equal(await download.text(), TRAINING);
  const chat = await a1.client.chat.completions.create({ model: records.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
  assert.equal(chat.model, records.model);
  const classified = await call(a1.key, { method: 'POST', path: '/mistral/v1/classifications', body: { model: records.classifierModel, input: ['the food was great'] } });
  assert.equal(classified.status, 200, classified.text);
  // … and its upload is still pending: nobody completed or cancelled it.
  assert.equal((await a1.client.uploads.cancel(toOpenAiId('upload', records.uploadUuid))).status, 'cancelled');
});

test("the Mistral SDK with a project key sees only its project's files, jobs and models", async () => {
  for (const tenant of [a2, b]) {
    const client = mistralClient(t, tenant.key);
    const seen = JSON.stringify([await client.files.list({ pageSize: 100 }), await client.fineTuning.jobs.list({ pageSize: 100 }), await client.models.list()]);
    for (const id of a1Ids) assert.ok(!seen.includes(id), `project ${tenant.projectId} sees A1's ${id}`);
  }
  const own = JSON.stringify(await mistralClient(t, a1.key).models.list());
  assert.ok(own.includes(records.model) && own.includes(records.classifierModel), 'A1 sees its own models');
});

test('a model shared with the organization: its other projects list, retrieve, use and fine-tune from it, but cannot change or delete it; other organizations never see it', async () => {
  const model = encodeURIComponent(records.model);
  const sharing = (key: string, organization: boolean) => call(key, { method: 'POST', path: `/v1/models/${model}/sharing`, body: { organization } });
  const shared = await sharing(a1.key, true);
  assert.equal(shared.status, 200, shared.text);
  assert.equal((shared.body as { selftune_shared_with_organization: boolean }).selftune_shared_with_organization, true);
  try {
    // A2 uses it.
    assert.ok((await a2.client.models.list()).data.some((m) => m.id === records.model));
    assert.equal((await a2.client.models.retrieve(records.model)).id, records.model);
    const chat = await a2.client.chat.completions.create({ model: records.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(chat.model, records.model);
    const own = await upload(a2.client, TRAINING, 'a2.jsonl');
    const continued = await call(a2.key, { method: 'POST', path: '/v1/fine_tuning/jobs', body: { model: records.model, training_file: own.id, hyperparameters: { n_epochs: 1 } } });
    assert.equal(continued.status, 200, `fine-tuning from a shared model: ${continued.text}`);
    await a2.client.fineTuning.jobs.cancel((continued.body as { id: string }).id);
    // … and may not change it.
    for (const req of [
      { method: 'DELETE', path: `/v1/models/${model}` },
      { method: 'POST', path: `/v1/models/${model}/sharing`, body: { organization: false } },
      { method: 'DELETE', path: `/mistral/v1/models/${model}` },
      { method: 'PATCH', path: `/mistral/v1/fine_tuning/models/${model}`, body: { name: 'mine now' } },
      { method: 'POST', path: `/mistral/v1/fine_tuning/models/${model}/archive` },
    ]) {
      const a = await call(a2.key, req);
      assert.equal(a.status, 403, `${req.method} ${req.path}: ${a.text}`);
      assert.equal(errorCode(req.path, a), 'model_shared_read_only');
    }
    // Only the model named is shared: its checkpoints stay private; another organization sees nothing.
    assert.equal((await call(a2.key, { method: 'GET', path: `/v1/models/${encodeURIComponent(records.checkpointModel)}` })).status, 404);
    assert.equal((await call(b.key, { method: 'GET', path: `/v1/models/${model}` })).status, 404);
    assert.ok(!(await call(b.key, { method: 'GET', path: '/v1/models' })).text.includes(records.model));
    assert.equal((await call(b.key, { method: 'POST', path: '/v1/chat/completions', body: { model: records.model, messages: [{ role: 'user', content: 'hi' }] } })).status, 404);
  } finally {
    const unshared = await sharing(a1.key, false);
    assert.equal(unshared.status, 200, unshared.text);
  }
  assert.equal((await call(a2.key, { method: 'GET', path: `/v1/models/${model}` })).status, 404, 'taken back: private again');
  assert.equal((await a1.client.models.retrieve(records.model)).id, records.model);
});
