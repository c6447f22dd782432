import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { repoRoot } from '../../src/config/paths.ts';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { parseRecordId } from '../../src/ids/ids.ts';
import { runCli } from '../helpers/cli.ts';
import { allEvents, isFinished, upload, waitForJob } from '../helpers/jobs.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { LONG_WAIT_MS } from '../helpers/wait.ts';
import { mistralClient } from '../mistral/mistral-helpers.ts';

// Preference fine-tuning through the official SDK: a DPO job on selftune-tiny learns a
// preference it can carry to prompts it never saw, reports its reward margin and
// accuracy, and refuses data meant for another method line by line.

const WORDS = ['apple', 'river', 'stone', 'cloud', 'tiger', 'piano', 'lemon', 'candle', 'forest', 'rocket', 'garden', 'silver',
  'window', 'pencil', 'island', 'thunder', 'mirror', 'basket', 'dragon', 'violet', 'marble', 'harbor', 'meadow', 'comet'];

/** Learnable: the preferred answer agrees ("yes, <word>"), the other refuses ("no, <word>"). Deterministic. */
function pairs(words: string[], n: number, offset = 0) {
  return Array.from({ length: n }, (_, i) => {
    const w = words[(i * 7 + offset) % words.length]!;
    return {
      input: { messages: [{ role: 'user', content: `say ${w}` }] },
      preferred_output: [{ role: 'assistant', content: `yes, ${w}` }],
      non_preferred_output: [{ role: 'assistant', content: `no, ${w}` }],
    };
  });
}
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const TRAIN_WORDS = WORDS.slice(0, 16);
const HELD_OUT = pairs(WORDS.slice(16), 8); // words the job never trains on

let t: TestServer;
let work: string;
before(async () => {
  t = await startServer();
  work = await tempDir('dpo');
});
after(() => t.close());

async function dpoJob(training: string, extra: object = {}): Promise<FineTuningJob> {
  const file = await upload(t.client, training, 'prefs.jsonl');
  return t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id, method: { type: 'dpo' }, ...extra });
}

/** Mean log p(preferred) - log p(non-preferred) over the held-out pairs, scored by plain transformers on an exported folder. */
async function heldOutMargin(modelDir: string): Promise<number> {
  const pairsFile = join(work, 'held-out.jsonl');
  await writeFile(pairsFile, jsonl(HELD_OUT));
  const python = process.env.SELFTUNE_PYTHON || join(repoRoot, '.venv/bin/python');
  const { stdout } = await promisify(execFile)(python, [join(repoRoot, 'test/openai/dpo_margin.py'), '--model', modelDir, '--pairs', pairsFile], { timeout: LONG_WAIT_MS });
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { margin: number }).margin;
}

let tuned: FineTuningJob;

test('a DPO job with auto hyperparameters trains, resolves beta and reports margin and accuracy', async () => {
  const validation = await upload(t.client, jsonl(pairs(TRAIN_WORDS, 4, 3)), 'valid.jsonl');
  const created = await dpoJob(jsonl(pairs(TRAIN_WORDS, 32)), { validation_file: validation.id, suffix: 'prefs', seed: 3 });
  assert.equal(created.hyperparameters as unknown, null, 'OpenAI leaves the legacy field null for DPO');
  assert.deepEqual(created.method, { type: 'dpo', dpo: { hyperparameters: { batch_size: 'auto', learning_rate_multiplier: 'auto', n_epochs: 'auto', beta: 'auto' } } });

  tuned = await waitForJob(t.client, created.id, isFinished);
  assert.equal(tuned.status, 'succeeded', JSON.stringify(tuned.error));
  assert.match(tuned.fine_tuned_model!, /^ft:selftune-tiny:default:prefs:/);
  assert.deepEqual(tuned.method?.dpo?.hyperparameters, { batch_size: 1, learning_rate_multiplier: 0.1, n_epochs: 3, beta: 0.1 });
  assert.equal(tuned.hyperparameters as unknown, null);

  const events = await allEvents(t.client, tuned.id);
  type Metrics = { step: number; train_loss: number; train_reward_margin: number; train_reward_accuracy: number; valid_reward_margin?: number };
  const metrics = events.filter((e) => e.type === 'metrics').map((e) => e.data as Metrics);
  assert.equal(metrics.length, 96); // 32 pairs × 3 epochs, one pair a step
  assert.ok(metrics.every((m) => typeof m.train_reward_margin === 'number' && typeof m.train_reward_accuracy === 'number'));
  assert.ok(Math.abs(metrics[0]!.train_loss - Math.log(2)) < 1e-3, 'the first step starts from the reference: loss log 2');
  const late = metrics.slice(-16);
  assert.ok(late.reduce((s, m) => s + m.train_reward_margin, 0) / late.length > 0.5, `late margins ${late.map((m) => m.train_reward_margin)}`);
  assert.ok(metrics.at(-1)!.valid_reward_margin! > 0.5, 'validation margin is reported and positive');
  assert.ok(events.some((e) => /reward margin=\d/.test(e.message)), 'step messages name the margin');

  const csv = Buffer.from(await (await t.client.files.content(tuned.result_files[0]!)).text(), 'base64').toString('utf8').trim().split('\n');
  assert.equal(csv[0], 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,train_reward_margin,train_reward_accuracy,valid_reward_margin,valid_reward_accuracy');
  assert.equal(csv.length, 97);
  const checkpoints = await t.client.fineTuning.jobs.checkpoints.list(tuned.id);
  assert.ok(checkpoints.data.every((c) => typeof (c.metrics as Record<string, number>)['full_valid_reward_margin'] === 'number'));

  // Mistral has no DPO, but lists and reads the job in its own schemas (its SDK validates them).
  const mistral = mistralClient(t);
  const seen = await mistral.fineTuning.jobs.get({ jobId: parseRecordId('job', tuned.id)! });
  assert.equal(seen.status, 'SUCCESS');
  assert.ok((await mistral.fineTuning.jobs.list({})).data?.some((j) => j.id === seen.id));
});

test('on held-out prompts the fine-tuned model prefers the preferred answers far more than the base', async (ctx) => {
  const dir = join(work, 'tuned');
  const run = await runCli(t.url, 'models', 'export', tuned.fine_tuned_model!, '--out', dir);
  assert.equal(run.code, 0, run.stderr);
  const base = await heldOutMargin(join(t.dataDir, 'models', 'selftune-tiny'));
  const after = await heldOutMargin(dir);
  ctx.diagnostic(`held-out margin: base ${base.toFixed(2)}, fine-tuned ${after.toFixed(2)}`);
  // Measured: about -7 before and +24 after; 10 nats leaves room for any seed or machine.
  assert.ok(after - base > 10, `held-out margin ${base.toFixed(2)} → ${after.toFixed(2)}`);
});

test('a DPO job starting from a supervised fine-tune trains on it', async () => {
  const sft = await upload(t.client, demoTrainingJsonl(), 'sft.jsonl');
  const first = await t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: sft.id, hyperparameters: { n_epochs: 1 } });
  const supervised = await waitForJob(t.client, first.id, isFinished);
  assert.equal(supervised.status, 'succeeded', JSON.stringify(supervised.error));
  const created = await dpoJob(jsonl(pairs(TRAIN_WORDS, 10)), {
    model: supervised.fine_tuned_model!,
    method: { type: 'dpo', dpo: { hyperparameters: { n_epochs: 1, batch_size: 5, beta: 0.3 } } },
  });
  const done = await waitForJob(t.client, created.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  assert.equal(done.model, supervised.fine_tuned_model);
  assert.match(done.fine_tuned_model!, /^ft:selftune-tiny:/, 'named after the base at the root of the lineage');
  assert.deepEqual(done.method?.dpo?.hyperparameters, { batch_size: 5, learning_rate_multiplier: 0.22, n_epochs: 1, beta: 0.3 });
  const metrics = (await allEvents(t.client, done.id)).filter((e) => e.type === 'metrics');
  assert.equal(metrics.length, 2);
  // The reference is the supervised model it starts from: the first step's loss is log 2.
  assert.ok(Math.abs((metrics[0]!.data as { train_loss: number }).train_loss - Math.log(2)) < 1e-3);
});

test('bad preference data fails validation naming the line, the field and why', async () => {
  const rows: object[] = pairs(TRAIN_WORDS, 4);
  rows.splice(2, 0, { ...pairs(TRAIN_WORDS, 1)[0], preferred_output: [{ role: 'user', content: 'yes' }] });
  const job = await waitForJob(t.client, (await dpoJob(jsonl(rows))).id, isFinished);
  assert.equal(job.status, 'failed');
  assert.match(job.error!.message, /line 3/);
  assert.match(job.error!.message, /preferred_output\[0\]\.role: must be an assistant message \(got role 'user'\)/);
});

test('each method refuses the other method\'s data, saying which method fits', async () => {
  const chatForDpo = await waitForJob(t.client, (await dpoJob(demoTrainingJsonl())).id, isFinished);
  assert.equal(chatForDpo.status, 'failed');
  assert.match(chatForDpo.error!.message, /line 1: .*supervised data .*a DPO job trains on preference pairs/);

  const prefs = await upload(t.client, jsonl(pairs(TRAIN_WORDS, 4)), 'prefs.jsonl');
  const created = await t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: prefs.id });
  const pairsForSft = await waitForJob(t.client, created.id, isFinished);
  assert.equal(pairsForSft.status, 'failed');
  assert.match(pairsForSft.error!.message, /line 1: .*preference pair .*method type dpo/);
});

test('reinforcement is still refused at create', async () => {
  const prefs = await upload(t.client, jsonl(pairs(TRAIN_WORDS, 4)), 'prefs.jsonl');
  await assert.rejects(
    t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: prefs.id, method: { type: 'reinforcement', reinforcement: {} } as never }),
    (err: { status: number; param: string; message: string }) => err.status === 400 && err.param === 'method.type' && /'reinforcement' is not supported yet/.test(err.message),
  );
});
