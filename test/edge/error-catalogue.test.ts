import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { repoRoot } from '../../src/config/paths.ts';
import { datasetError, validateDataset } from '../../src/datasets/index.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { ERROR_CATALOGUE, isErrorCode } from '../../src/errors/catalogue.ts';
import { parseOrThrow } from '../../src/errors/zod-errors.ts';
import { toAppError } from '../../src/server/framework-errors.ts';
import { tempDir } from '../helpers/server.ts';

// The catalogue is the one list of error codes: request-field errors (Mistral's
// 422s), data-validation codes and framework errors all come from it, and the
// documented table is the catalogue, code for code.

const codes = Object.keys(ERROR_CATALOGUE);
const read = (path: string) => readFile(join(repoRoot, path), 'utf8');

async function sourceFiles(dir: string, ext = '.ts'): Promise<string[]> {
  const entries = await readdir(join(repoRoot, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(ext) && !e.name.endsWith('.test.ts')).map((e) => join(e.parentPath, e.name));
}

test('the catalogue is one flat list sorted by code, and every code in it is used', async () => {
  assert.deepEqual(codes, [...codes].sort(), 'sorted by code (one entry per line merges cleanly)');
  // The server's code, and the trainer's (its inference worker reports some codes itself).
  const files = [...(await sourceFiles('src')).filter((f) => !f.endsWith('catalogue.ts')), ...(await sourceFiles('trainer/selftune_trainer', '.py'))];
  const sources = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  const unused = codes.filter((code) => !sources.some((s) => new RegExp(`\\b${code}\\b`).test(s)));
  assert.deepEqual(unused, [], 'codes listed but never used');
});

test("every zod request error gets a catalogue code the Mistral dialect shows as a 422 field error", () => {
  const schema = z.strictObject({
    name: z.string().min(2).max(4),
    n: z.number().int().min(1).max(10),
    kind: z.enum(['a', 'b']),
    tags: z.record(z.string(), z.string()).refine((r) => Object.keys(r).length <= 1, { message: 'too many' }),
  });
  const good = { name: 'abc', n: 5, kind: 'a', tags: {} };
  const bad = [{ ...good, name: undefined }, { ...good, extra: 1 }, { ...good, n: 'x' }, { ...good, kind: 'c' }, { ...good, n: 11 }, { ...good, n: 0 }, { ...good, name: 'abcdef' }, { ...good, name: 'a' }, { ...good, tags: { a: 'x', b: 'y' } }];
  const seen = new Set<string>();
  for (const input of bad) {
    const err = (() => {
      try {
        parseOrThrow(schema, input);
      } catch (e) {
        return e;
      }
      return assert.fail(`accepted ${JSON.stringify(input)}`);
    })();
    assert.ok(err instanceof AppError);
    assert.ok(isErrorCode(err.code), err.code);
    assert.equal(ERROR_CATALOGUE[err.code].mistral, 'detail', `${err.code} is a field error`);
    seen.add(err.code);
  }
  assert.ok(seen.size >= 6, [...seen].join());
});

test('the Mistral renderer keeps no list of codes of its own: the catalogue decides 422 or envelope', async () => {
  const source = await read('src/dialects/mistral/errors.ts');
  assert.match(source, /ERROR_CATALOGUE\[e\.code\]\.mistral === 'detail'/);
  assert.doesNotMatch(source, /new Set\(|'(missing_required_parameter|invalid_type|value_above_maximum)'/);
});

test('every data-validation code (bad lines and the job error built from them) is a catalogue code', async () => {
  const lines = [
    'not json',
    '[1, 2]',
    '{"messages": "x"}',
    '{"messages": [{"role": "bot", "content": "x"}, {"role": "assistant", "content": "y"}]}',
    '{"messages": [{"role": "user", "content": "x"}]}',
    '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 2}]}',
    '{"messages": [{"role": "user", "content": "x", "colour": 1}, {"role": "assistant", "content": "y"}]}',
    '{"messages": [{"content": "x"}, {"role": "assistant", "content": "y"}]}',
    '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}], "extra": 1}',
    '{"prompt": "a", "completion": "b"}',
    '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 0}]}',
  ];
  const dir = await tempDir('catalogue');
  const path = join(dir, 'bad.jsonl');
  await import('node:fs/promises').then((fs) => fs.writeFile(path, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0xff, 0xfe, 0x0a])])));
  const report = await validateDataset(path, { expect: 'supervised', maxIssues: 100 });
  assert.ok(report.issues.length >= 8, JSON.stringify(report.issues));
  for (const issue of report.issues) assert.ok(isErrorCode(issue.code), `line ${issue.line}: ${issue.code}`);
  const jobError = datasetError(report, { fileId: 'file-x', param: 'training_file', minExamples: 10 });
  assert.ok(jobError && isErrorCode(jobError.code));
  // And statically: every code literal the validator writes is in the catalogue.
  const written = new Set<string>();
  for (const file of await sourceFiles('src/datasets')) {
    const source = await readFile(file, 'utf8');
    for (const m of source.matchAll(/(?:problem|missingKey)\(\s*'([a-z_]+)'|(?<!Extract<\w+, \{ )code: '([a-z_]+)'/g)) written.add(m[1] ?? m[2]!);
  }
  assert.ok(written.size >= 10, [...written].join());
  assert.deepEqual([...written].filter((c) => !isErrorCode(c)), []);
});

test('framework errors and a full disk map to catalogue codes', () => {
  const cases: [unknown, string][] = [
    [Object.assign(new Error('Unsupported Media Type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), 'invalid_content_type'],
    [Object.assign(new Error('too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), 'request_too_large'],
    [new Error('Unexpected end of form'), 'invalid_multipart'],
    [Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 'disk_full'],
    [Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 'disk_full'],
    [new TypeError('a bug'), 'server_error'],
  ];
  for (const [err, code] of cases) assert.equal(toAppError(err).code, code);
});

test("docs/errors.md lists exactly the catalogue (code, status, type, Mistral shape), and the README links it", async () => {
  const doc = await read('docs/errors.md');
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d+) \| ([a-z_]+) \| (422 `detail`|\d+ envelope) \|/gm)].map((m) => [m[1], Number(m[2]), m[3], m[4]]);
  const expected = Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, e.status, e.type, e.mistral === 'detail' ? '422 `detail`' : `${e.status} envelope`]);
  assert.deepEqual(rows, expected);
  assert.match(await read('README.md'), /\]\(docs\/errors\.md\)/);
});
