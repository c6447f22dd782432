import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LINE_BYTES, readLines, type RawLine } from './lines.ts';
import { tempFile } from './testutil.ts';

async function collect(content: string | Uint8Array, maxLineBytes?: number): Promise<RawLine[]> {
  const out: RawLine[] = [];
  for await (const l of readLines(await tempFile(content), maxLineBytes ? { maxLineBytes } : {})) out.push(l);
  return out;
}

test('skips blank lines but keeps real 1-based line numbers', async () => {
  const lines = await collect('{"a":1}\n\n   \n{"b":2}\n\t\n{"c":3}');
  assert.deepEqual(lines.map((l) => [l.line, l.text]), [[1, '{"a":1}'], [4, '{"b":2}'], [6, '{"c":3}']]);
});

test('strips CR of CRLF endings and a BOM on line 1 only', async () => {
  const lines = await collect('\uFEFF{"a":1}\r\n\r\n{"b":2}\r\n\uFEFF{"c":3}\r\n');
  assert.deepEqual(lines.map((l) => l.text), ['{"a":1}', '{"b":2}', '\uFEFF{"c":3}']);
  assert.deepEqual(lines.map((l) => l.line), [1, 3, 4]);
});

test('a last line without newline is still read; a trailing newline adds no line', async () => {
  assert.equal((await collect('{"a":1}\n{"b":2}')).length, 2);
  assert.equal((await collect('{"a":1}\n{"b":2}\n')).length, 2);
});

test('flags NUL bytes and invalid UTF-8 per line', async () => {
  const bytes = Buffer.concat([Buffer.from('{"ok":1}\n{"a":"\0"}\n'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), Buffer.from('{"ok":2}\n')]);
  const lines = await collect(bytes);
  assert.deepEqual(lines.map((l) => [l.line, l.fault]), [[1, null], [2, 'nul_byte'], [3, 'invalid_utf8'], [4, null]]);
  assert.equal(lines[1]!.text, null);
});

test('a multi-byte character split across read chunks decodes intact', async () => {
  // 64 KiB chunks: put a 3-byte character across the boundary.
  const text = `{"t":"${'a'.repeat(64 * 1024 - 7)}€€"}`;
  const [line] = await collect(text + '\n');
  assert.equal(line!.fault, null);
  assert.equal(line!.text, text);
});

test('a line over the cap is reported with its head, and later lines still read', async () => {
  const long = `{"text":"${'x'.repeat(5000)}"}`;
  const lines = await collect(`${long}\n{"a":1}\n`, 1000);
  assert.equal(lines[0]!.fault, 'too_long');
  assert.equal(lines[0]!.text, null);
  assert.ok(lines[0]!.head.startsWith('{"text":"xxx'));
  assert.deepEqual([lines[1]!.line, lines[1]!.text], [2, '{"a":1}']);
});

test('the default cap is 2 MB: a 2 MB + 1 line is too long, a 2 MB line is not', async () => {
  const atCap = `"${'y'.repeat(MAX_LINE_BYTES - 2)}"`;
  const lines = await collect(`${atCap}\n${atCap}z\n`);
  assert.deepEqual(lines.map((l) => l.fault), [null, 'too_long']);
});

test('invalid UTF-8 beyond the cap of an oversized line is still detected', async () => {
  const bytes = Buffer.concat([Buffer.from('{"t":"' + 'a'.repeat(3000)), Buffer.from([0xc3]), Buffer.from('"}\n')]);
  const [line] = await collect(bytes, 1000);
  assert.equal(line!.fault, 'invalid_utf8');
});
