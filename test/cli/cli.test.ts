import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { demoExamples, demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';

// The real `selftune` binary, as a user types it, against a real server.

let t: TestServer;
let dir: string;
before(async () => {
  t = await startServer();
  dir = await tempDir('cli');
});
after(() => t.close());

const selftune = (...args: string[]) => runCli(t.url, ...args);

test('jobs create --follow uploads the file, shows progress and exits 0 on success', async () => {
  const path = join(dir, 'train.jsonl');
  await writeFile(path, demoTrainingJsonl());
  const run = await selftune('jobs', 'create', '--model', 'selftune-tiny', '--training-file', path, '--epochs', '2', '--suffix', 'cli', '--follow');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /uploaded .*train\.jsonl as file-\w{24}/);
  assert.match(run.stderr, /Step \d+\/48: training loss=\d+\.\d\d/); // plain lines: stderr is not a terminal here
  assert.match(run.stderr, /The job has successfully completed/);
  assert.match(run.stdout, /status\s+succeeded/);
  assert.match(run.stdout, /fine_tuned_model\s+ft:selftune-tiny:default:cli:\w{8}/);
});

test('read commands print tables, or JSON with --json', async () => {
  const list = await selftune('jobs', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const jobs = JSON.parse(list.stdout) as Array<{ id: string; status: string }>;
  assert.equal(jobs[0]!.status, 'succeeded');
  const table = await selftune('jobs', 'list');
  assert.match(table.stdout.split('\n')[0]!, /^ID\s+STATUS\s+MODEL/);
  const events = await selftune('jobs', 'events', jobs[0]!.id, '--limit', '5', '--json');
  assert.equal((JSON.parse(events.stdout) as unknown[]).length, 5);
  const checkpoints = await selftune('jobs', 'checkpoints', jobs[0]!.id);
  assert.match(checkpoints.stdout, /^STEP\s+TRAIN LOSS/);
  assert.match(checkpoints.stdout, /\n48\s+\d\.\d{4}/);
  const models = await selftune('models', 'list', '--json');
  assert.ok((JSON.parse(models.stdout) as Array<{ id: string }>).some((m) => m.id.startsWith('ft:selftune-tiny:default:cli:')));
  const files = await selftune('files', 'list');
  assert.match(files.stdout, /train\.jsonl\s+fine-tune/);
});

test('chat answers with any model, fine-tuned or base', async () => {
  const model = (JSON.parse((await selftune('models', 'list', '--json')).stdout) as Array<{ id: string }>).find((m) => m.id.startsWith('ft:selftune-tiny:default:cli:') && !m.id.includes('ckpt'))!.id;
  const chat = await selftune('chat', model, 'What colour is the sky?', '--system', 'You answer in one short sentence.', '--json');
  assert.equal(chat.code, 0, chat.stderr);
  const completion = JSON.parse(chat.stdout) as { model: string; choices: Array<{ message: { content: string } }>; usage: { completion_tokens: number } };
  assert.equal(completion.model, model);
  assert.ok(completion.usage.completion_tokens > 0);
  const plain = await selftune('chat', 'selftune-tiny', 'hello', '--max-tokens', '5');
  assert.equal(plain.code, 0, plain.stderr);
  const unknown = await selftune('chat', 'ft:nope', 'hello');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /error: 404/);
});

test('a bad file is refused with its line numbers and a non-zero exit', async () => {
  const notJsonl = join(dir, 'notes.jsonl');
  await writeFile(notJsonl, '{"messages": []}\nthis is not json\n');
  const upload = await selftune('files', 'upload', notJsonl);
  assert.equal(upload.code, 1);
  assert.match(upload.stderr, /error: 400 .*Line 2 is not a dictionary/);

  const lines = demoExamples(12).map((e) => JSON.stringify(e));
  lines[3] = JSON.stringify({ messages: [{ role: 'user', content: 'only a question' }] });
  lines[9] = JSON.stringify({ messages: [{ role: 'wizard', content: 'x' }, { role: 'assistant', content: 'y' }] });
  const bad = join(dir, 'bad.jsonl');
  await writeFile(bad, `${lines.join('\n')}\n`);
  const run = await selftune('jobs', 'create', '--model', 'selftune-tiny', '--training-file', bad, '--follow');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error: job ftjob-\w+ failed: .*line 4: .*assistant.*line 10: messages\[0\]\.role: unrecognized role 'wizard'/s);
});

test('usage errors exit 2 and API errors exit 1 with the server message', async () => {
  const usage = await selftune('jobs', 'fly');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /selftune jobs create/);
  const missing = await selftune('jobs', 'get', 'ftjob-nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: 404 No such fine-tuning job: ftjob-nope/);
  const tooSmall = await selftune('jobs', 'create', '--model', 'selftune-tiny', '--training-file', 'file-x', '--epochs', '0');
  assert.equal(tooSmall.code, 1);
  assert.match(tooSmall.stderr, /hyperparameters\.n_epochs/);
});
