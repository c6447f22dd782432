import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Mistral } from '@mistralai/mistralai';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config/config.ts';
import type { Generation } from '../../src/inference/generation.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';

// The inference worker killed for real (kill -9) while it answers: the client
// gets its answer, or a 503 with retry-after that the SDK retries; requests
// that arrive while it restarts wait for it; the server stays up. A worker
// that cannot start at all gives a clear error.

/** This process's child running `serve-inference`, found through /proc as an operator would (one server at a time here). */
function workerPid(): number | undefined {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('serve-inference')) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const killWorker = (): number => {
  const pid = workerPid();
  assert.ok(pid, 'the inference worker runs');
  process.kill(pid, 'SIGKILL');
  return pid;
};

/** Calls `onStart` each time a generation has its first token (the worker is busy with it). */
function onGenerationStarted(t: TestServer, onStart: () => void): void {
  const inference = t.server.ctx.inference;
  const generate = inference.generate.bind(inference);
  inference.generate = async (...args: Parameters<typeof generate>): Promise<Generation> => {
    const generation = await generate(...args);
    onStart();
    return generation;
  };
}

// At temperature 0 the untrained demo model never emits its end token: every answer runs to max_tokens.
const MESSAGES = [{ role: 'user' as const, content: 'Tell me everything.' }];
const MAX_TOKENS = 400;
const openAiRequest = { model: 'selftune-tiny', messages: MESSAGES, max_tokens: MAX_TOKENS, temperature: 0 };
const mistralRequest = { model: 'selftune-tiny', messages: MESSAGES, maxTokens: MAX_TOKENS, temperature: 0 };
const retrying = (t: TestServer) => ({
  openai: new OpenAI({ apiKey: 'test-key', baseURL: `${t.url}/v1`, maxRetries: 3 }),
  mistral: new Mistral({
    apiKey: 'test-key',
    serverURL: `${t.url}/mistral`,
    retryConfig: { strategy: 'backoff', backoff: { initialInterval: 500, maxInterval: 10_000, exponent: 2, maxElapsedTime: 300_000 } },
  }),
});

describe('a worker killed mid-answer is restarted and the answer replayed', () => {
  let t: TestServer;
  let clients: ReturnType<typeof retrying>;
  let expected: string;
  let killAtStart = false;
  const killed: number[] = [];
  before(async () => {
    t = await startServer();
    clients = retrying(t);
    onGenerationStarted(t, () => {
      if (killAtStart) killed.push(killWorker());
      killAtStart = false;
    });
    // The uninterrupted answer (the worker is up and warm afterwards).
    expected = (await clients.openai.chat.completions.create(openAiRequest)).choices[0]!.message.content!;
    assert.equal(expected.length > 0, true);
  });
  after(() => t.close());

  const armKill = () => {
    killAtStart = true;
    return killed.length;
  };

  test('OpenAI, not streamed: the same answer, from a new worker', async () => {
    const before = armKill();
    const r = await clients.openai.chat.completions.create(openAiRequest);
    assert.equal(killed.length, before + 1, 'the worker was killed while answering');
    assert.equal(r.choices[0]!.message.content, expected);
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.equal(r.usage!.completion_tokens, MAX_TOKENS);
    assert.notEqual(await waitFor('a new worker', workerPid), killed.at(-1));
  });

  test('OpenAI, streamed: the stream goes on where it was, with the same text', async () => {
    const stream = await clients.openai.chat.completions.create({ ...openAiRequest, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    const before = killed.length;
    for await (const chunk of stream) {
      if (++chunks === 3) killed.push(killWorker()); // a few tokens are out already
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(killed.length, before + 1);
    assert.equal(text, expected);
    assert.equal(finish, 'length');
    assert.equal(usage?.completion_tokens, MAX_TOKENS);
  });

  test('Mistral, streamed and not: the same answers', async () => {
    let before = armKill();
    const r = await clients.mistral.chat.complete(mistralRequest);
    assert.equal(killed.length, before + 1);
    assert.equal(r.choices[0]!.message.content, expected);

    before = killed.length;
    let text = '';
    let chunks = 0;
    for await (const event of await clients.mistral.chat.stream(mistralRequest)) {
      if (++chunks === 3) killed.push(killWorker());
      text += (event.data.choices[0]?.delta.content as string | undefined) ?? '';
    }
    assert.equal(killed.length, before + 1);
    assert.equal(text, expected);
  });

  test('a request that arrives while the worker restarts waits for it (no retry needed)', async () => {
    await waitFor('the worker', workerPid);
    const gone = killWorker();
    const once = new OpenAI({ apiKey: 'test-key', baseURL: `${t.url}/v1`, maxRetries: 0 });
    const r = await once.chat.completions.create(openAiRequest);
    assert.equal(r.choices[0]!.message.content, expected);
    assert.notEqual(workerPid(), gone);
    assert.equal((await fetch(`${t.url}/health`)).status, 200);
  });
});

describe('with replays off, a request caught in a crash gets a 503 with retry-after', () => {
  let t: TestServer;
  let clients: ReturnType<typeof retrying>;
  let killAtStart = 0;
  before(async () => {
    t = await startServer({ inferenceCrashReplays: 0 });
    clients = retrying(t);
    onGenerationStarted(t, () => {
      if (killAtStart > 0) {
        killAtStart--;
        killWorker();
      }
    });
    await clients.openai.chat.completions.create({ ...openAiRequest, max_tokens: 2 }); // warm
  });
  after(() => t.close());

  const post = (path: string, body: object) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(body) });

  test("in each dialect's error shape", async () => {
    killAtStart = 1;
    const openai = await post('/v1/chat/completions', openAiRequest);
    assert.equal(openai.status, 503);
    assert.ok(Number(openai.headers.get('retry-after')) >= 1);
    const { error } = (await openai.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(error.type, 'server_error');
    assert.equal(error.code, 'inference_worker_crashed');
    assert.match(error.message, /SIGKILL.*restarted/s);

    await waitFor('a new worker', workerPid);
    killAtStart = 1;
    const mistral = await post('/mistral/v1/chat/completions', { ...openAiRequest, temperature: 0 });
    assert.equal(mistral.status, 503);
    assert.ok(Number(mistral.headers.get('retry-after')) >= 1);
    const body = (await mistral.json()) as { object: string; code: string };
    assert.deepEqual([body.object, body.code], ['error', 'inference_worker_crashed']);
  });

  test('which both SDKs retry successfully', async () => {
    await waitFor('a new worker', workerPid);
    killAtStart = 1;
    const r = await clients.openai.chat.completions.create(openAiRequest);
    assert.equal(killAtStart, 0, 'the first attempt was killed');
    assert.equal(r.usage!.completion_tokens, MAX_TOKENS);

    await waitFor('a new worker', workerPid);
    killAtStart = 1;
    const m = await clients.mistral.chat.complete(mistralRequest);
    assert.equal(killAtStart, 0);
    assert.equal(m.usage.completionTokens, MAX_TOKENS);
  });
});

describe('a worker that cannot start', () => {
  let t: TestServer;
  let dir: string;
  before(async () => {
    // The trainer's Python works; the inference worker's start fails, as with a broken install.
    dir = await tempDir('python');
    const python = join(dir, 'python');
    await writeFile(python, `#!/bin/sh\ncase "$*" in *serve-inference*) echo "ImportError: libtorch_cpu.so: cannot open shared object file" >&2; exit 1;; esac\nexec ${loadConfig().python} "$@"\n`);
    await chmod(python, 0o755);
    t = await startServer({ python });
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a clear error naming the cause in both dialects, after a few tries; the server stays up', async () => {
    const openai = new OpenAI({ apiKey: 'k', baseURL: `${t.url}/v1`, maxRetries: 0 });
    await assert.rejects(openai.chat.completions.create(openAiRequest), (err: { status: number; code: string; message: string }) =>
      err.status === 500 && err.code === 'inference_worker_failed' && /cannot start: exited \(code 1\).*libtorch_cpu/s.test(err.message));
    const mistral = await fetch(`${t.url}/mistral/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(openAiRequest) });
    assert.equal(mistral.status, 500);
    const body = (await mistral.json()) as { object: string; code: string; message: string };
    assert.deepEqual([body.object, body.code], ['error', 'inference_worker_failed']);
    assert.match(body.message, /libtorch_cpu/);
    assert.equal((await fetch(`${t.url}/health`)).status, 200);
  });
});
