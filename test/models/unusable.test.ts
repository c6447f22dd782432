import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { upload } from '../helpers/jobs.ts';
import { repoRoot } from '../../src/config/paths.ts';
import { freePort, startServer, tempDir, type TestServer, waitForHealth } from '../helpers/server.ts';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';

// Folders in the models directory that cannot be used are listed with why
// (an extension of the list route, and `models list --all`); the SDK's plain
// list, retrieve and job creation never see them as models.

let t: TestServer;
const REASONS: Record<string, RegExp> = {
  'empty-folder': /^empty folder$/,
  'notes-only': /^no config\.json$/,
  'bad-config': /^config\.json is not valid JSON/,
  'no-weights': /^no weights/,
  'no-tokenizer': /^no tokenizer/,
  'bad-selftune-json': /^selftune\.json is not valid JSON/,
  'acme/missing-shard': /^weight shard model-00002-of-00002\.safetensors named in model\.safetensors\.index\.json is missing$/,
  'bad name': /not a valid model id/,
};

before(async () => {
  t = await startServer();
  const models = join(t.dataDir, 'models');
  const tiny = join(models, 'selftune-tiny');
  const folder = async (name: string, files: Record<string, string | null>) => {
    await mkdir(join(models, name), { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      await (text === null ? copyFile(join(tiny, file), join(models, name, file)) : writeFile(join(models, name, file), text));
    }
  };
  await folder('empty-folder', {});
  await folder('notes-only', { 'README.md': 'weights coming soon' });
  await folder('bad-config', { 'config.json': '{"model_type": "llama",' });
  await folder('no-weights', { 'config.json': null, 'tokenizer.json': null });
  await folder('no-tokenizer', { 'config.json': null, 'model.safetensors': null });
  await folder('bad-selftune-json', { 'config.json': null, 'model.safetensors': null, 'tokenizer.json': null, 'selftune.json': '{nope' });
  await folder('acme/missing-shard', {
    'config.json': null, 'tokenizer.json': null, 'model-00001-of-00002.safetensors': 'x',
    'model.safetensors.index.json': JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }),
  });
  await folder('bad name', { 'config.json': null });
  await cp(tiny, join(models, 'acme', 'tiny-copy'), { recursive: true });
});
after(() => t.close());

test('the SDK lists only usable models; the extension adds the others with their reason', async () => {
  const usable = (await t.client.models.list()).data.map((m) => m.id);
  assert.ok(usable.includes('selftune-tiny') && usable.includes('acme/tiny-copy'), usable.join());
  for (const id of Object.keys(REASONS)) assert.ok(!usable.includes(id), id);

  const all = (await t.client.models.list({ query: { include_unusable: true } })).data as Array<{ id: string; selftune_unusable_reason?: string }>;
  const reasons = Object.fromEntries(all.filter((m) => m.selftune_unusable_reason).map((m) => [m.id, m.selftune_unusable_reason!]));
  assert.deepEqual(Object.keys(reasons).sort(), Object.keys(REASONS).sort());
  for (const [id, pattern] of Object.entries(REASONS)) assert.match(reasons[id]!, pattern, id);
});

test('models list --all prints each unusable folder with why', async () => {
  const run = await runCli(t.url, 'models', 'list', '--all');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^ID\s+OWNED BY\s+CREATED\s+UNUSABLE BECAUSE/);
  assert.match(run.stdout, /\nno-weights\s+system\s+[\d-]+ [\d:]+\s+no weights \(\*\.safetensors or pytorch_model\.bin\)\n/);
  assert.match(run.stdout, /\nacme\/tiny-copy\s+system\s+[\d-]+ [\d:]+\n/);
  const plain = await runCli(t.url, 'models', 'list');
  assert.doesNotMatch(plain.stdout, /no-weights|UNUSABLE/);
});

test('naming an unusable folder says why; ids that climb out of the models folder are unknown', async () => {
  await assert.rejects(t.client.models.retrieve('no-tokenizer'), (e: { status: number; message: string }) => e.status === 404 && /cannot be used: no tokenizer/.test(e.message));
  const chat = t.client.chat.completions.create({ model: 'bad-config', messages: [{ role: 'user', content: 'hi' }] });
  await assert.rejects(chat, (e: { status: number; message: string }) => e.status === 404 && /cannot be used: config\.json is not valid JSON/.test(e.message));
  // (The SDK refuses '..' itself; a hand-made request percent-encodes the dots so nothing normalises them away.)
  for (const id of ['..', '../models/selftune-tiny', 'acme/../selftune-tiny', 'acme/tiny-copy/extra', '/etc/passwd', 'acme']) {
    const res = await fetch(`${t.url}/v1/models/${encodeURIComponent(id).replace(/\./g, '%2E')}`);
    assert.equal(res.status, 404, id);
  }
  const file = await upload(t.client, demoTrainingJsonl());
  for (const model of ['../selftune-tiny', 'acme/tiny-copy/..', 'no-weights']) {
    await assert.rejects(t.client.fineTuning.jobs.create({ model, training_file: file.id }), (e: { status: number }) => e.status === 400, model);
  }
  const job = await t.client.fineTuning.jobs.create({ model: 'acme/tiny-copy', training_file: file.id });
  assert.equal(job.model, 'acme/tiny-copy');
  await t.client.fineTuning.jobs.cancel(job.id);
});

test('selftune serve logs one warning per unusable folder at start', async () => {
  const dataDir = await tempDir('unusable-log');
  await mkdir(join(dataDir, 'models', 'acme', 'half-copied'), { recursive: true });
  await writeFile(join(dataDir, 'models', 'acme', 'half-copied', 'config.json'), '{"model_type": "llama"}');
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/selftune.mjs'), 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, SELFTUNE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await waitForHealth(`http://127.0.0.1:${port}`);
    const lines = output.split('\n').filter((l) => l.includes('is not a usable model'));
    assert.equal(lines.length, 1, output);
    assert.match(lines[0]!, /models\/acme\/half-copied is not a usable model: no weights/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
});
