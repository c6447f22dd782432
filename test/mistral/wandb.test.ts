import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { dataPaths, trainerDir } from '../../src/config/paths.ts';
import { toOpenAiId } from '../../src/ids/ids.ts';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { tempDir, startServer, type TestServer } from '../helpers/server.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from './mistral-helpers.ts';

// A job with a W&B integration logs its run (offline) and reports the run's
// address; the API key is stored sealed, given to the trainer's environment
// (not its spec file) and never shown. The `wandb`
// package here is the trainer tests' recording stand-in (W&B is a web service).

/** The job's row as stored (integrations and options columns). */
function storedJobRow(dataDir: string, jobId: string): string {
  const db = new Sqlite(dataPaths(dataDir).database, { readonly: true });
  try {
    return JSON.stringify(db.prepare('SELECT integrations, options FROM jobs WHERE id = ?').get(jobId));
  } finally {
    db.close();
  }
}

let t: TestServer;
let wandbLog: string;
before(async () => {
  wandbLog = join(await tempDir('wandb'), 'calls.jsonl');
  process.env.PYTHONPATH = join(trainerDir, 'tests/fakes');
  process.env.FAKE_WANDB_LOG = wandbLog;
  t = await startServer();
});
after(() => t.close());

test('the run is logged and its url reported, without the key', async () => {
  const client = mistralClient(t);
  const file = await uploadMistral(client, demoTrainingJsonl());
  const apiKey = 'k'.repeat(40);
  const job = await createJob(client, {
    model: 'selftune-tiny',
    trainingFiles: [{ fileId: file.id, weight: 1 }],
    hyperparameters: { trainingSteps: 8, learningRate: 1e-3 },
    integrations: [{ project: 'selftune', name: 'demo-run', apiKey }],
    autoStart: true,
  });
  const done = await waitMistral(client, job.id, isOver);
  assert.equal(done.status, 'SUCCESS');
  const integration = done.integrations![0]!;
  assert.equal(integration.project, 'selftune');
  assert.equal(integration.name, 'demo-run');
  assert.match(integration.url!, /^file:\/\/.*offline-run-/);
  assert.ok(!JSON.stringify(done).includes(apiKey), 'the key is never echoed');
  const openAiView = await t.client.fineTuning.jobs.retrieve(toOpenAiId('job', job.id));
  assert.ok(!JSON.stringify(openAiView).includes(apiKey), 'nor shown through /v1');
  const row = storedJobRow(t.dataDir, job.id);
  assert.ok(!row.includes(apiKey), 'the stored row holds the key sealed, not in clear');
  assert.match(row, /api_key\\+":\\+"sealed:v1:/);
  const { readFile } = await import('node:fs/promises');
  const spec = await readFile(join(t.dataDir, 'runs', job.id, 'spec.json'), 'utf8');
  assert.ok(!spec.includes(apiKey), 'the spec file on disk does not hold the key');
  const calls = (await readFile(wandbLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { call: string; project?: string; step?: number; api_key?: string | null });
  assert.equal(calls[0]!.call, 'init');
  assert.equal(calls[0]!.api_key, apiKey, "the trainer got the key in its environment");
  assert.equal(calls[0]!.project, 'selftune');
  assert.deepEqual(calls.filter((c) => c.call === 'log').map((c) => c.step), [1, 2, 3, 4, 5, 6, 7, 8]);
  await assert.rejects(
    createJob(client, { model: 'selftune-tiny', trainingFiles: [{ fileId: file.id, weight: 1 }], hyperparameters: {}, integrations: [{ project: 'p', apiKey: 'short' }] }),
    (err: { statusCode: number; body: string }) => err.statusCode === 422 && /api_key/.test(err.body),
  );
});
