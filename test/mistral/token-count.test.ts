import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { trainerDir } from '../../src/config/paths.ts';
import { toJsonl } from '../../src/demo/demo-data.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from './mistral-helpers.ts';

// The tokens a Mistral job's estimate counts (validation's metadata and a dry
// run) are the tokens the trainer then trains on, exactly: one epoch over files
// drawn once each reports trained_tokens = the data's tokens. On selftune-tiny
// (bytes, BOS, its own template) and on a BPE model with ChatML and no BOS
// (trainer/tests/bpe_chatml_model.py), for chat lines with tools, weight 0 and
// several turns, prompt/completion and text lines, and classifier lines.

const TOOLS = [{ type: 'function', function: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' } } } } }];
const CALL = [{ id: 'c1', type: 'function', function: { name: 'add', arguments: '{"a": 1}' } }];
const chats = (n: number) => Array.from({ length: n }, (_, i) => {
  const user = (content: unknown) => ({ role: 'user', content });
  const reply = (content: string | null, extra = {}) => ({ role: 'assistant', content, ...extra });
  switch (i % 3) {
    case 0: return { messages: [{ role: 'system', content: 'Be brief.' }, user(`What is ${i} plus one?`), reply(`${i + 1}.`)] };
    case 1: return { messages: [user('q1'), reply('not this', { weight: 0 }), user(`Ünïcödé 🙂 ${i}`), reply(`A${i}`, { weight: 1 })] };
    default: return { tools: TOOLS, messages: [user(`add ${i}`), reply(null, { tool_calls: CALL }), { role: 'tool', content: `${i + 1}`, tool_call_id: 'c1' }, reply(`It is ${i + 1}.`)] };
  }
});
const completions = (n: number) => Array.from({ length: n }, (_, i) => ({ prompt: `Q: count to ${i}`, completion: ` ${Array.from({ length: i + 1 }, (_, k) => k).join(' ')}` }));
const texts = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `The quick brown fox jumps over ${i} lazy dogs.` }));
const labelled = (n: number, chat: boolean) => Array.from({ length: n }, (_, i) => {
  const label = { sentiment: i % 2 ? 'positive' : 'negative' };
  const words = `${i % 2 ? 'a lovely' : 'an awful'} day number ${i}`;
  return chat ? { messages: [{ role: 'user', content: words }], labels: label } : { text: words, labels: label };
});

let t: TestServer;
let dataDir: string;
before(async () => {
  dataDir = await tempDir('tokens');
  await mkdir(join(dataDir, 'models'), { recursive: true });
  const made = spawnSync(loadConfig().python, [join(trainerDir, 'tests/bpe_chatml_model.py'), join(dataDir, 'models/bpe-chatml')], { env: { ...process.env, PYTHONPATH: trainerDir }, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  t = await startServer({ dataDir });
});
after(async () => {
  await t.close(); // a data directory given to startServer is the caller's to remove
  await rm(dataDir, { recursive: true, force: true });
});

/** Validation's data_tokens, a dry run's, and the trained tokens of one epoch, for one job over `files` (10 examples each). */
async function countedAndTrained(model: string, jobType: 'completion' | 'classifier', files: object[][]) {
  const client = mistralClient(t);
  const uploaded = await Promise.all(files.map((rows, i) => uploadMistral(client, toJsonl(rows), `f${i}.jsonl`)));
  const request = { model, jobType, trainingFiles: uploaded.map((f) => ({ fileId: f.id, weight: 1 })), hyperparameters: { learningRate: 1e-3, epochs: 1 } };
  const dry = await fetch(`${t.url}/mistral/v1/fine_tuning/jobs?dry_run=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify({ model, job_type: jobType, training_files: uploaded.map((f) => ({ file_id: f.id, weight: 1 })), hyperparameters: { epochs: 1 } }),
  });
  const dryBody = (await dry.json()) as { data_tokens: number };
  assert.equal(dry.status, 200, JSON.stringify(dryBody));
  const created = await createJob(client, { ...request, autoStart: false });
  const validated = await waitMistral(client, created.id, (j) => j.status === 'VALIDATED' || isOver(j));
  assert.equal(validated.status, 'VALIDATED', JSON.stringify(validated.events));
  await client.fineTuning.jobs.start({ jobId: created.id });
  const done = await waitMistral(client, created.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  return { validation: validated.metadata!.dataTokens, dryRun: dryBody.data_tokens, trained: done.trainedTokens };
}

for (const model of ['selftune-tiny', 'bpe-chatml']) {
  test(`${model}: chat (tools, weight 0, several turns), prompt/completion and text lines count what the trainer trains on`, async () => {
    const r = await countedAndTrained(model, 'completion', [chats(10), completions(10), texts(10)]);
    assert.ok(r.trained! > 0);
    assert.deepEqual(r, { validation: r.trained, dryRun: r.trained, trained: r.trained });
  });

  test(`${model}: classifier text and chat lines count what the trainer trains on`, async () => {
    const r = await countedAndTrained(model, 'classifier', [labelled(10, false), labelled(10, true)]);
    assert.ok(r.trained! > 0);
    assert.deepEqual(r, { validation: r.trained, dryRun: r.trained, trained: r.trained });
  });
}
