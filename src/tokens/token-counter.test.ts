import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { trainerDir } from '../config/paths.ts';
import { AppError } from '../errors/app-error.ts';
import { runPythonTool } from '../jobs/python-tool.ts';
import { waitUntil } from '../../test/helpers/wait.ts';
import { TokenCounter } from './token-counter.ts';

// The warm counter against the real trainer: the same counts as the one-shot
// `count-tokens`, a helper killed idle or mid-count is replaced, errors name the file.

const config = loadConfig();
const model = config.demoModelCache;
const logged: string[] = [];
const log = { info: () => {}, warn: (_: object, m: string) => void logged.push(m), error: (_: object, m: string) => void logged.push(m) };
let dir: string;
let counter: TokenCounter;
const chat = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `answer ${i}` }] });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'selftune-tokens-'));
  await writeFile(join(dir, 'small.jsonl'), `${[1, 2, 3].map(chat).join('\n')}\n`);
  await writeFile(join(dir, 'big.jsonl'), `${Array.from({ length: 20_000 }, (_, i) => chat(i)).join('\n')}\n`);
  counter = new TokenCounter({ python: config.python, trainerDir, log });
});
after(async () => {
  await counter.close();
  await rm(dir, { recursive: true, force: true });
});

test('counts what the one-shot count-tokens counts, in one warm process', async () => {
  const files = [join(dir, 'small.jsonl'), join(dir, 'big.jsonl')];
  const oneShot = (await runPythonTool({ python: config.python, trainerDir }, ['count-tokens', '--model', model, ...files])) as { files: unknown };
  assert.deepEqual(await counter.count(model, files), oneShot.files);
  const pid = counter.pid;
  const [a, b] = await Promise.all([counter.count(model, [files[0]!]), counter.count(model, [files[0]!])]);
  assert.deepEqual(a, b);
  assert.equal(a[0]!.examples, 3);
  assert.equal(counter.pid, pid, 'the same process answers every count');
});

test('a helper killed while idle is started again by the next count', async () => {
  await counter.count(model, [join(dir, 'small.jsonl')]);
  const pid = counter.pid!;
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => counter.pid === undefined, { what: 'the killed helper to be noticed' });
  const [counted] = await counter.count(model, [join(dir, 'small.jsonl')]);
  assert.equal(counted!.examples, 3);
  assert.notEqual(counter.pid, pid);
});

test('a count in flight when the helper dies is sent again to its successor', async () => {
  await counter.count(model, [join(dir, 'small.jsonl')]);
  const pid = counter.pid!;
  const big = counter.count(model, [join(dir, 'big.jsonl')]);
  process.kill(pid, 'SIGKILL');
  const [counted] = await big;
  assert.equal(counted!.examples, 20_000);
  assert.notEqual(counter.pid, pid);
  assert.ok(logged.some((m) => m.includes('token counter exited (SIGKILL)')), logged.join('\n'));
});

test('a file or model that cannot be read fails that count only, naming it', async () => {
  const missing = join(dir, 'missing.jsonl');
  await assert.rejects(counter.count(model, [missing]), (e: AppError) => e.code === 'trainer_tool_failed' && e.message.includes(missing) && e.message.includes('file_not_found'));
  await assert.rejects(counter.count(join(dir, 'no-model'), [join(dir, 'small.jsonl')]), (e: AppError) => e.message.includes('base_model_invalid'));
  assert.equal((await counter.count(model, [join(dir, 'small.jsonl')]))[0]!.examples, 3);
});

test('warm starts the helper before any count, and the first count goes to it', async () => {
  const other = new TokenCounter({ python: config.python, trainerDir, log });
  other.warm();
  const pid = other.pid;
  assert.ok(pid);
  assert.equal((await other.count(model, [join(dir, 'small.jsonl')]))[0]!.examples, 3);
  assert.equal(other.pid, pid);
  await other.close();
});

test('after close, counts are refused and no helper runs', async () => {
  const other = new TokenCounter({ python: config.python, trainerDir, log });
  await other.count(model, [join(dir, 'small.jsonl')]);
  const pid = other.pid!;
  await other.close();
  assert.equal(other.pid, undefined);
  assert.throws(() => process.kill(pid, 0), 'the helper has exited');
  await assert.rejects(other.count(model, [join(dir, 'small.jsonl')]), (e: AppError) => e instanceof AppError && /shutting down/.test(e.message));
});
