import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/config/paths.ts';
import { runCli } from '../helpers/cli.ts';
import { isFinished, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { LONG_WAIT_MS } from '../helpers/wait.ts';

// Models out: `selftune models export` writes folders that plain transformers
// and PEFT load in a separate Python process with no selftune code, and that
// answer exactly as selftune's own inference does (greedy decoding).

const PROMPT = 'What is the capital of Italy?';
const MAX_TOKENS = 12;
let t: TestServer;
let out: string;
let fullModel: string;
let loraModel: string;

async function fineTune(model: string): Promise<string> {
  const { training } = await uploadDemo(t.client);
  const job = await t.client.fineTuning.jobs.create({ model, training_file: training.id, hyperparameters: { n_epochs: 1 } });
  const done = await waitForJob(t.client, job.id, isFinished);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  return done.fine_tuned_model!;
}

before(async () => {
  t = await startServer();
  out = await tempDir('export');
  const models = join(t.dataDir, 'models');
  // A slash-named base that trains with LoRA, so the adapter export must name it by id.
  await cp(join(models, 'selftune-tiny'), join(models, 'acme', 'lora-base'), { recursive: true });
  await writeFile(join(models, 'acme', 'lora-base', 'selftune.json'), JSON.stringify({ training_mode: 'lora', base_learning_rate: 0.002 }));
  fullModel = await fineTune('selftune-tiny');
  loraModel = await fineTune('acme/lora-base');
});
after(() => t.close());

async function selftuneReply(model: string): Promise<string> {
  const chat = await t.client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: MAX_TOKENS });
  const reply = chat.choices[0]!.message.content ?? '';
  assert.ok(reply.length > 0, `${model} says something to compare`);
  return reply;
}

/** The reply of the exported folder, loaded by plain transformers/PEFT (no PYTHONPATH: selftune_trainer is not importable). */
async function plainReply(dir: string, base?: string): Promise<string> {
  const env = { ...process.env };
  delete env.PYTHONPATH;
  const python = process.env.SELFTUNE_PYTHON || join(repoRoot, '.venv/bin/python');
  const args = [join(repoRoot, 'test/models/load_export.py'), '--model', dir, '--prompt', PROMPT, '--max-new-tokens', String(MAX_TOKENS), ...(base ? ['--base', base] : [])];
  const { stdout } = await promisify(execFile)(python, args, { env, timeout: LONG_WAIT_MS });
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { text: string }).text;
}

test('a full fine-tune exports as a complete Hugging Face folder that answers as selftune does', async () => {
  const dir = join(out, 'full');
  const run = await runCli(t.url, 'models', 'export', fullModel, '--out', dir);
  assert.equal(run.code, 0, run.stderr);
  const files = await readdir(dir);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'chat_template.jinja']) assert.ok(files.includes(f), `${f} in ${files.join()}`);
  assert.ok(!files.some((f) => f.startsWith('selftune') || f.endsWith('.pt')), files.join());
  assert.equal(await plainReply(dir), await selftuneReply(fullModel));
});

test('a LoRA fine-tune exports as a PEFT adapter naming its base by model id', async () => {
  const dir = join(out, 'lora');
  const run = await runCli(t.url, 'models', 'export', loraModel, '--out', dir);
  assert.equal(run.code, 0, run.stderr);
  const config = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8')) as { base_model_name_or_path: string };
  assert.equal(config.base_model_name_or_path, 'acme/lora-base');
  assert.ok((await readdir(dir)).includes('adapter_model.safetensors'));
  // What the trainer stored names the base by id too (never a path on the server's disk).
  const runs = join(t.dataDir, 'runs');
  const adapters = (await Promise.all((await readdir(runs)).map((r) => readFile(join(runs, r, 'final', 'adapter_config.json'), 'utf8').catch(() => null))))
    .filter((text): text is string => text !== null).map((text) => JSON.parse(text) as { base_model_name_or_path: string });
  assert.deepEqual(adapters.map((a) => a.base_model_name_or_path), ['acme/lora-base']);
  assert.equal(await plainReply(dir, join(t.dataDir, 'models', 'acme', 'lora-base')), await selftuneReply(loraModel));
});

test('--merged folds the adapter into a full model folder that answers the same', async () => {
  const dir = join(out, 'merged');
  const run = await runCli(t.url, 'models', 'export', loraModel, '--out', dir, '--merged');
  assert.equal(run.code, 0, run.stderr);
  const files = await readdir(dir);
  assert.ok(files.includes('config.json') && files.includes('model.safetensors') && !files.includes('adapter_config.json'), files.join());
  assert.equal(await plainReply(dir), await selftuneReply(loraModel));
});

test('exports refuse what they cannot write', async () => {
  const refused = async (path: string, pattern: RegExp) => {
    const res = await fetch(`${t.url}/v1/model_exports/${path}`);
    assert.equal(res.status >= 400 && res.status < 500, true, path);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, pattern);
  };
  await refused('selftune-tiny', /is a base model/);
  await refused(`${encodeURIComponent(fullModel)}?merged=true`, /merged applies to LoRA fine-tunes only/);
  await refused('ft%3Anope%3Adefault%3A%3Aabcdefgh', /does not exist/);
  const cli = await runCli(t.url, 'models', 'export', fullModel, '--out', join(out, 'full'));
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /is not empty/);
});
