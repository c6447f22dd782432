// Large files: the validator must stream. The memory test runs the validator
// in a child process whose V8 heap is capped well below the file size, so
// reading the whole file into a string would crash it (checked by hand:
// `readFile(path, 'utf8')` in the same child dies with a heap OOM).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { validateDataset } from './index.ts';
import { goodChat, tempFile } from './testutil.ts';

/** Writes `count` lines through a stream, so the test itself never holds the file. */
async function writeLines(count: number, lineAt: (i: number) => string): Promise<string> {
  const path = await tempFile('');
  const out = createWriteStream(path);
  let buf = '';
  for (let i = 0; i < count; i++) {
    buf += lineAt(i) + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return path;
}

test('200k lines: every line counted, bad lines found at the right numbers', async () => {
  const good = JSON.stringify(goodChat());
  const path = await writeLines(200_000, (i) => (i % 10_000 === 9_999 ? '{"messages": "oops"}' : good));
  const r = await validateDataset(path, { expect: 'supervised', maxIssues: 3 });
  assert.deepEqual([r.format, r.lines, r.examples, r.issueCount], ['chat', 200_000, 199_980, 20]);
  assert.deepEqual(r.issues.map((i) => i.line), [10_000, 20_000, 30_000]);
});

test('a file several times larger than the heap validates in a capped child process', async () => {
  // ~160 MB of 800-byte lines; the child gets a 64 MB old-space heap.
  const text = 'lorem ipsum '.repeat(64);
  const row = JSON.stringify({ messages: [{ role: 'user', content: text }, { role: 'assistant', content: 'ok' }] });
  const path = await writeLines(200_000, () => row);
  const index = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `const m = await import(${JSON.stringify(index)});
    const r = await m.validateDataset(${JSON.stringify(path)}, { expect: 'supervised' });
    console.log(JSON.stringify({ lines: r.lines, examples: r.examples, heapMB: process.memoryUsage().heapUsed / 2 ** 20 }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  const res = JSON.parse(stdout.trim().split('\n').pop()!) as { lines: number; examples: number; heapMB: number };
  assert.deepEqual([res.lines, res.examples], [200_000, 200_000]);
  assert.ok(res.heapMB < 64, `heap ${res.heapMB} MB`);
});
