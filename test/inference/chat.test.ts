import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Mistral } from '@mistralai/mistralai';
import type { CompletionChunk } from '@mistralai/mistralai/models/components/index.js';
import { NotFoundError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { startServer, type TestServer } from '../helpers/server.ts';
import { ask, FACTS_A, FACTS_B, SYSTEM, trainFacts } from './facts.ts';

// Calling fine-tuned models through both SDKs. Two models of selftune-tiny are
// trained once for the whole file, on the same questions with different answers.

let t: TestServer;
let mistral: Mistral;
let modelA: string;
let modelB: string;
let jobA: string;

before(async () => {
  t = await startServer({ maxConcurrentJobs: 2 });
  mistral = new Mistral({ apiKey: 'test-key', serverURL: `${t.url}/mistral` });
  const [a, b] = await Promise.all([trainFacts(t.client, FACTS_A, 'facts-a'), trainFacts(t.client, FACTS_B, 'facts-b')]);
  [modelA, modelB, jobA] = [a.fine_tuned_model!, b.fine_tuned_model!, a.id];
});
after(() => t.close());

const [SKY, SKY_ANSWER] = FACTS_A[0]!;
/** The byte-level tiny tokenizer: one token per byte, plus bos, the role tokens and an <|end|> per message. */
const promptTokens = (question: string) => 1 + (1 + SYSTEM.length + 1) + (1 + question.length + 1) + 1;

test('OpenAI: the fine-tuned model answers every trained question at temperature 0; the base model does not', async () => {
  for (const [question, answer] of FACTS_A) {
    const r = await t.client.chat.completions.create({ model: modelA, messages: ask(question), temperature: 0, max_tokens: 30 });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(r.model, modelA);
    assert.equal(r.choices.length, 1);
    assert.deepEqual({ ...r.choices[0]!.message, refusal: null }, { role: 'assistant', content: answer, refusal: null, annotations: [] });
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    // One token per byte of the answer, plus the <|end|> that stopped it.
    assert.deepEqual(r.usage, { prompt_tokens: promptTokens(question), completion_tokens: answer.length + 1, total_tokens: promptTokens(question) + answer.length + 1 });

    const base = await t.client.chat.completions.create({ model: 'selftune-tiny', messages: ask(question), temperature: 0, max_tokens: 12 });
    assert.notEqual(base.choices[0]!.message.content, answer);
  }
});

test('OpenAI: max_tokens ends with length, stop strings end with stop, n gives independent choices', async () => {
  const short = await t.client.chat.completions.create({ model: modelA, messages: ask(SKY), temperature: 0, max_completion_tokens: 2 });
  assert.equal(short.choices[0]!.message.content, SKY_ANSWER.slice(0, 2));
  assert.equal(short.choices[0]!.finish_reason, 'length');
  assert.equal(short.usage!.completion_tokens, 2);

  const stopped = await t.client.chat.completions.create({ model: modelA, messages: ask(SKY), temperature: 0, stop: ['ue'] });
  assert.equal(stopped.choices[0]!.message.content, 'Bl');
  assert.equal(stopped.choices[0]!.finish_reason, 'stop');

  const many = await t.client.chat.completions.create({ model: modelA, messages: ask(SKY), temperature: 0, n: 3, max_tokens: 10 });
  assert.deepEqual(many.choices.map((c) => [c.index, c.message.content]), [[0, SKY_ANSWER], [1, SKY_ANSWER], [2, SKY_ANSWER]]);
  assert.equal(many.usage!.completion_tokens, 3 * (SKY_ANSWER.length + 1));

  // Sampling with a seed repeats itself.
  const sample = () => t.client.chat.completions.create({ model: 'selftune-tiny', messages: ask(SKY), temperature: 1.5, top_p: 0.9, seed: 42, max_tokens: 8 });
  const [s1, s2] = [await sample(), await sample()];
  assert.equal(s1.choices[0]!.message.content, s2.choices[0]!.message.content);
});

test('OpenAI: streamed, the chunks add up to the answer and end with the usage chunk', async () => {
  const stream = await t.client.chat.completions.create({ model: modelA, messages: ask(SKY), temperature: 0, stream: true, stream_options: { include_usage: true } });
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === modelA && c.id === chunks[0]!.id));
  assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), SKY_ANSWER);
  assert.ok(chunks.length >= SKY_ANSWER.length + 2, 'one chunk per token, not one at the end');
  assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'stop');
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage!.completion_tokens, SKY_ANSWER.length + 1);
  assert.equal(last.usage!.prompt_tokens, promptTokens(SKY));
});

test('Mistral: complete and stream through the official SDK', async () => {
  const [question, answer] = FACTS_A[2]!;
  const r = await mistral.chat.complete({ model: modelA, messages: ask(question), temperature: 0, maxTokens: 30 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0]!.message.content, answer);
  assert.equal(r.choices[0]!.finishReason, 'stop');
  assert.deepEqual(r.usage, { promptTokens: promptTokens(question), completionTokens: answer.length + 1, totalTokens: promptTokens(question) + answer.length + 1 });

  const stream = await mistral.chat.stream({ model: modelA, messages: ask(question), temperature: 0, randomSeed: 1 });
  const chunks: CompletionChunk[] = [];
  for await (const event of stream) chunks.push(event.data);
  assert.equal(chunks.map((c) => c.choices[0]!.delta.content ?? '').join(''), answer);
  assert.equal(chunks.at(-1)!.choices[0]!.finishReason, 'stop');
  assert.equal(chunks.at(-1)!.usage!.completionTokens, answer.length + 1);

  const short = await mistral.chat.complete({ model: modelA, messages: ask(question), temperature: 0, maxTokens: 3 });
  assert.equal(short.choices[0]!.finishReason, 'length');
});

test('a checkpoint model answers like the final model', async () => {
  const page = await t.client.fineTuning.jobs.checkpoints.list(jobA);
  const checkpoint = page.data.find((c) => c.fine_tuned_model_checkpoint.includes(':ckpt-step-'));
  assert.ok(checkpoint, 'an earlier checkpoint is kept');
  const r = await t.client.chat.completions.create({ model: checkpoint.fine_tuned_model_checkpoint, messages: ask(SKY), temperature: 0, max_tokens: 30 });
  assert.equal(r.choices[0]!.message.content, SKY_ANSWER);
});

test('concurrent requests to two fine-tuned models of one base each get their own answers', async () => {
  const calls = FACTS_A.flatMap(([question, a], i) => [
    t.client.chat.completions.create({ model: modelA, messages: ask(question), temperature: 0, max_tokens: 30 }).then((r) => [r.choices[0]!.message.content, a]),
    mistral.chat.complete({ model: modelB, messages: ask(question), temperature: 0, maxTokens: 30 }).then((r) => [r.choices[0]!.message.content, FACTS_B[i]![1]]),
  ]);
  for (const [got, want] of await Promise.all(calls)) assert.equal(got, want);
});

test('unknown models are 404 in each dialect; a deleted model stops answering', async () => {
  await assert.rejects(t.client.chat.completions.create({ model: 'ft:selftune-tiny:default::nothere1', messages: ask(SKY) }), (err: unknown) => {
    assert.ok(err instanceof NotFoundError);
    assert.equal((err as NotFoundError).code, 'model_not_found');
    assert.equal((err as NotFoundError).param, 'model');
    return true;
  });
  const res = await fetch(`${t.url}/mistral/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'nope', messages: ask(SKY) }) });
  assert.equal(res.status, 404);
  const body = (await res.json()) as { object: string; code: string; message: string };
  assert.equal(body.object, 'error');
  assert.equal(body.code, 'model_not_found');
  await assert.rejects(mistral.chat.complete({ model: 'nope', messages: ask(SKY) }), /404/);

  await t.client.models.delete(modelB);
  await assert.rejects(t.client.chat.completions.create({ model: modelB, messages: ask(SKY) }), NotFoundError);
});

test('bad requests are refused before any generation, in each dialect\'s shape', async () => {
  await assert.rejects(t.client.chat.completions.create({ model: modelA, messages: [] }), (err: { status: number; param: string }) => err.status === 400 && err.param === 'messages');
  const res = await fetch(`${t.url}/mistral/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: modelA, messages: ask(SKY), temperature: 3 }) });
  assert.equal(res.status, 422);
  assert.deepEqual(((await res.json()) as { detail: Array<{ loc: unknown[] }> }).detail[0]!.loc, ['body', 'temperature']);
});
