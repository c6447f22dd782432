import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectClassifierTargets, validateDataset } from './index.ts';
import { assistant, chat, goodChat, issueOf, jsonl, tempFile, user } from './testutil.ts';

const validate = async (rows: unknown[], expect: 'supervised' | 'preference' | 'classifier' = 'supervised') =>
  validateDataset(await tempFile(jsonl(rows)), { expect });

test('prompt/completion: valid pairs, missing keys, empty completion', async () => {
  const r = await validate([{ prompt: 'a', completion: 'b' }, { prompt: '', completion: ' x' }]);
  assert.deepEqual([r.format, r.examples, r.issueCount, r.sampleType], ['prompt_completion', 2, 0, 'instruct']);
  assert.deepEqual(await issueOf({ prompt: 'a' }), { line: 1, code: 'missing_key', field: 'completion', message: "example: missing required key 'completion'" });
  assert.deepEqual(await issueOf({ completion: 'a' }), { line: 1, code: 'missing_key', field: 'prompt', message: "example: missing required key 'prompt'" });
  assert.equal((await issueOf({ prompt: 'a', completion: '' }))?.code, 'missing_content');
  assert.equal((await issueOf({ prompt: 1, completion: 'b' }))?.message, 'prompt: expected string, got number');
});

test('text (Mistral pretrain): format text, sample type pretrain, empty text is an issue', async () => {
  const r = await validate([{ text: 'a document' }, { text: 'another' }]);
  assert.deepEqual([r.format, r.examples, r.sampleType], ['text', 2, 'pretrain']);
  assert.deepEqual(await issueOf({ text: '' }), { line: 1, code: 'missing_content', field: 'text', message: 'text: must not be empty' });
});

test('mixed_formats: the first valid line fixes the format, odd lines are issues', async () => {
  const r = await validate([{ prompt: 'p' }, goodChat(), { prompt: 'a', completion: 'b' }, goodChat(), { text: 't' }]);
  assert.equal(r.format, 'chat');
  assert.deepEqual(r.issues.map((i) => [i.line, i.code]), [[1, 'missing_key'], [3, 'mixed_formats'], [5, 'mixed_formats']]);
  assert.equal(r.issues[1]!.message, 'example is prompt/completion but earlier lines are chat messages (a file must use one format)');
});

test('invalid_json and data_type lines, with real line numbers past blank lines', async () => {
  const r = await validateDataset(await tempFile(`${JSON.stringify(goodChat())}\n\n{"messages": [\n[1,2]\n"str"\n`), { expect: 'supervised' });
  assert.deepEqual(r.issues.map((i) => [i.line, i.code, i.message]), [
    [3, 'invalid_json', 'not valid JSON'],
    [4, 'data_type', 'expected a JSON object, got an array'],
    [5, 'data_type', 'expected a JSON object, got a string'],
  ]);
  assert.deepEqual([r.lines, r.examples, r.issueCount], [4, 1, 3]);
});

test('CRLF line endings and a BOM validate like plain files', async () => {
  const path = await tempFile('\uFEFF' + jsonl([goodChat(), goodChat(), { bad: 1 }], '\r\n'));
  const r = await validateDataset(path, { expect: 'supervised' });
  assert.deepEqual([r.format, r.lines, r.examples, r.issues[0]?.line], ['chat', 3, 2, 3]);
});

test('a line over 2 MB is a line_too_long issue, not a crash', async () => {
  const path = await tempFile(jsonl([goodChat(), { text: 'x'.repeat(2 * 1024 * 1024) }, goodChat()]));
  const r = await validateDataset(path, { expect: 'supervised' });
  assert.deepEqual(r.issues, [{ line: 2, code: 'line_too_long', field: null, message: 'line is longer than 2 MB' }]);
  assert.equal(r.examples, 2);
});

test('binary lines are invalid_encoding issues at job time', async () => {
  const r = await validateDataset(await tempFile(Buffer.from(`${JSON.stringify(goodChat())}\n{"a":"\0"}\n`)), { expect: 'supervised' });
  assert.deepEqual(r.issues.map((i) => [i.line, i.code]), [[2, 'invalid_encoding']]);
});

const pref = (extra: Record<string, unknown> = {}) => ({
  input: { messages: [user('q')], tools: [], parallel_tool_calls: true },
  preferred_output: [assistant('good')],
  non_preferred_output: [assistant('bad')],
  ...extra,
});

test('preference: valid lines, and the *_completion aliases', async () => {
  const alias = { input: { messages: [user('q')] }, preferred_completion: [assistant('g')], non_preferred_completion: [assistant('b')] };
  const r = await validate([pref(), alias], 'preference');
  assert.deepEqual([r.format, r.examples, r.issueCount, r.sampleType], ['preference', 2, 0, 'instruct']);
});

test('preference: missing input, bad input messages, wrong output arrays', async () => {
  assert.equal((await issueOf({ preferred_output: [], non_preferred_output: [] }, 'preference'))?.message, "example: missing required key 'input'");
  assert.deepEqual(await issueOf(pref({ input: { messages: [{ role: 'bot', content: 'x' }] } }), 'preference'), {
    line: 1, code: 'unrecognized_role', field: 'input.messages[0].role', message: "input.messages[0].role: unrecognized role 'bot' (expected system, user, assistant, tool)",
  });
  assert.equal((await issueOf(pref({ input: {} }), 'preference'))?.code, 'missing_messages_list');
  const two = await issueOf(pref({ preferred_output: [assistant('a'), assistant('b')] }), 'preference');
  assert.deepEqual([two?.code, two?.message], ['invalid_output', 'preferred_output: must hold exactly one assistant message (got 2 messages)']);
  assert.equal((await issueOf(pref({ non_preferred_output: [user('x')] }), 'preference'))?.field, 'non_preferred_output[0].role');
  const { non_preferred_output: _, ...noNeg } = pref();
  assert.equal((await issueOf(noNeg, 'preference'))?.field, 'non_preferred_output');
  assert.equal((await issueOf({ ...pref(), preferred_output: undefined, preferred_completion: [assistant(3)] }, 'preference'))?.field, 'preferred_completion[0].content');
});

test('preference and supervised data each refuse the other, naming the method that fits', async () => {
  const chatForDpo = await issueOf(goodChat(), 'preference');
  assert.equal(chatForDpo?.code, 'method_data_mismatch');
  assert.match(chatForDpo!.message, /supervised data .* a DPO job trains on preference pairs: input, preferred_output and non_preferred_output/);
  assert.equal((await issueOf({ prompt: 'a', completion: 'b' }, 'preference'))?.code, 'method_data_mismatch');
  const pairForSft = await issueOf(pref());
  assert.equal(pairForSft?.code, 'method_data_mismatch');
  assert.match(pairForSft!.message, /preference pair .* method type dpo/);
});

test('classifier: text and chat lines, multi-target and multi-label', async () => {
  const t = await validate([{ text: 'hi', labels: { intent: 'greet', lang: ['en', 'fr'] } }, { text: 'bye', labels: { intent: 'leave' } }], 'classifier');
  assert.deepEqual([t.format, t.examples, t.sampleType], ['classifier_text', 2, 'classifier']);
  const c = await validate([{ messages: [user('hi')], labels: { intent: 'greet' } }], 'classifier');
  assert.deepEqual([c.format, c.examples], ['classifier_chat', 1]);
  const mixed = await validate([{ text: 'a', labels: { x: 'y' } }, { messages: [user('hi')], labels: { x: 'y' } }], 'classifier');
  assert.equal(mixed.issues[0]?.code, 'mixed_formats');
});

test('classifier: label problems are invalid_labels with the target path', async () => {
  assert.equal((await issueOf({ text: 'a' }, 'classifier'))?.message, "example: missing required key 'labels'");
  assert.deepEqual(await issueOf({ text: 'a', labels: {} }, 'classifier'), { line: 1, code: 'invalid_labels', field: 'labels', message: 'labels: must name at least one target' });
  assert.deepEqual(await issueOf({ text: 'a', labels: { intent: '' } }, 'classifier'), { line: 1, code: 'invalid_labels', field: 'labels.intent', message: 'labels.intent: must not be empty' });
  assert.equal((await issueOf({ text: 'a', labels: { intent: [] } }, 'classifier'))?.field, 'labels.intent');
  assert.equal((await issueOf({ text: 'a', labels: { intent: ['ok', 3] } }, 'classifier'))?.field, 'labels.intent[1]');
  assert.equal((await issueOf({ text: 'a', labels: ['x'] }, 'classifier'))?.code, 'invalid_labels');
  assert.equal((await issueOf({ labels: { a: 'b' } }, 'classifier'))?.code, 'missing_messages_list');
  assert.equal((await issueOf({ text: '', labels: { a: 'b' } }, 'classifier'))?.code, 'missing_content');
  assert.equal((await issueOf({ messages: [{ role: 'user' }], labels: { a: 'b' } }, 'classifier'))?.field, 'messages[0].content');
});

test('collectClassifierTargets: targets in first-seen order, labels sorted, multi-label flag', async () => {
  const path = await tempFile(jsonl([
    { text: 'a', labels: { sentiment: 'positive', lang: 'en' } },
    'not json',
    { text: 'b', labels: { sentiment: ['neutral', 'negative'] } },
    { messages: [user()], labels: { lang: 'de', sentiment: 'positive' } },
    { text: 'c', labels: 'broken' },
  ]));
  assert.deepEqual(await collectClassifierTargets(path), [
    { name: 'sentiment', labels: ['negative', 'neutral', 'positive'], multiLabel: true },
    { name: 'lang', labels: ['de', 'en'], multiLabel: false },
  ]);
});

test('maxIssues caps the list but issueCount counts all', async () => {
  const rows = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? goodChat() : chat(user())));
  const r = await validateDataset(await tempFile(jsonl(rows)), { expect: 'supervised', maxIssues: 5 });
  assert.deepEqual([r.issues.length, r.issueCount, r.examples, r.lines], [5, 20, 10, 30]);
  assert.deepEqual(r.issues.map((i) => i.line), [2, 3, 5, 6, 8]);
  const d = await validateDataset(await tempFile(jsonl(rows)), { expect: 'supervised' });
  assert.equal(d.issues.length, 20);
});

test('an all-bad file has no format and keeps the sample type of the expectation', async () => {
  const r = await validate(['nope', 'nope'], 'classifier');
  assert.deepEqual([r.format, r.examples, r.sampleType], [null, 0, 'classifier']);
  assert.equal((await validate(['nope'])).sampleType, 'instruct');
  assert.equal((await issueOf(chat(user(), assistant()), 'supervised')), null);
});

test('classifier: labels must be an object with non-empty target names', async () => {
  assert.equal((await issueOf({ text: 'a', labels: ['x'] }, 'classifier'))?.message, 'labels: expected object, got array');
  assert.equal((await issueOf({ text: 'a', labels: { '': 'x' } }, 'classifier'))?.message, 'labels: target names must not be empty');
});
