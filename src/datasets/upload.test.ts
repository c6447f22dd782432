import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkJsonlUpload } from './index.ts';
import { goodChat, jsonl, tempFile } from './testutil.ts';

const check = async (content: string | Uint8Array) => checkJsonlUpload(await tempFile(content));

test('accepts a JSONL file and counts its non-empty lines', async () => {
  assert.deepEqual(await check(jsonl([goodChat(), '', goodChat()])), { ok: true, lines: 2, sampleType: 'instruct' });
});

test('sample type comes from the first line: pretrain, classifier, instruct', async () => {
  const pre = await check(jsonl([{ text: 'doc' }]));
  assert.ok(pre.ok && pre.sampleType === 'pretrain');
  const cls = await check(jsonl([{ text: 'x', labels: { a: 'b' } }]));
  assert.ok(cls.ok && cls.sampleType === 'classifier');
  const pc = await check(jsonl([{ prompt: 'p', completion: 'c' }]));
  assert.ok(pc.ok && pc.sampleType === 'instruct');
});

test('an empty file and a whitespace-only file are empty_file', async () => {
  for (const content of ['', ' \n\r\n\t\n']) {
    const r = await check(content);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.code === 'empty_file' && r.line === null, `content ${JSON.stringify(content)}`);
  }
});

test('binary content (NUL byte) is invalid_encoding and names the line', async () => {
  const r = await check(Buffer.from('{"a":1}\n\n{"b":"x\0y"}\n'));
  assert.ok(!r.ok);
  assert.deepEqual([r.code, r.line], ['invalid_encoding', 3]);
  assert.match(r.message, /line 3 contains a NUL byte/);
});

test('an image uploaded as JSONL is invalid_encoding', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
  const r = await check(png);
  assert.ok(!r.ok && r.code === 'invalid_encoding' && r.line === 1);
});

test('invalid UTF-8 is invalid_encoding and names the line', async () => {
  const r = await check(Buffer.concat([Buffer.from('{"a":1}\n\n'), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d, 0x0a])]));
  assert.ok(!r.ok);
  assert.deepEqual([r.code, r.line], ['invalid_encoding', 3]);
  assert.match(r.message, /line 3 is not valid UTF-8/);
});

test('a non-JSON line gets OpenAI wording with a hint of the line start', async () => {
  const r = await check(jsonl([goodChat(), '', 'foo bar']));
  assert.deepEqual(r, {
    ok: false,
    code: 'invalid_jsonl',
    line: 3,
    message: 'Expected file to have JSONL format, where every line is a JSON dictionary. Line 3 is not a dictionary (HINT: line starts with: "foo bar...").',
  });
});

test('JSON that is not an object (array, string, number, null) is invalid_jsonl', async () => {
  for (const line of ['[1,2]', '"text"', '42', 'null']) {
    const r = await check(jsonl([goodChat(), line]));
    assert.ok(!r.ok && r.code === 'invalid_jsonl' && r.line === 2, line);
  }
});

test('the hint is cut to the first 20 characters', async () => {
  const r = await check('this line is definitely not json at all\n');
  assert.ok(!r.ok);
  assert.match(r.message, /\(HINT: line starts with: "this line is definit\.\.\."\)\.$/);
});

test('CRLF and a BOM on line 1 are accepted', async () => {
  const r = await check('\uFEFF' + jsonl([goodChat(), goodChat()], '\r\n'));
  assert.deepEqual(r, { ok: true, lines: 2, sampleType: 'instruct' });
});

test('a line over 2 MB passes upload when it opens like an object, fails when it does not', async () => {
  const big = 'x'.repeat(2 * 1024 * 1024 + 10);
  assert.ok((await check(`{"text":"${big}"}\n`)).ok);
  const r = await check(`${big}\n`);
  assert.ok(!r.ok && r.code === 'invalid_jsonl' && r.line === 1);
});
