import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { chatJsonlOfAtLeast, partBlobs } from './uploads-helpers.ts';

// `selftune files upload` sends a file the server refuses as too large for one
// request through the Uploads API instead, in parts, with progress.

let t: TestServer;
let dir: string;
before(async () => {
  t = await startServer({ maxUploadBytes: 64 * 1024 });
  dir = await tempDir('cli-upload');
  process.env.SELFTUNE_UPLOAD_PART_BYTES = String(40 * 1024); // the CLI's part size (the server takes up to 64 MiB)
});
after(async () => {
  delete process.env.SELFTUNE_UPLOAD_PART_BYTES;
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

test('files upload: a file above the single-request limit goes up in parts and comes back whole', async () => {
  const content = chatJsonlOfAtLeast(150 * 1024);
  const path = join(dir, 'large.jsonl');
  await writeFile(path, content);
  const run = await runCli(t.url, 'files', 'upload', path, '--json');
  assert.equal(run.code, 0, run.stderr);
  const parts = Math.ceil(content.length / (40 * 1024));
  assert.match(run.stderr, new RegExp(`\\(${parts}/${parts} parts\\)`), run.stderr);
  const file = JSON.parse(run.stdout) as { id: string; bytes: number; status: string; filename: string };
  assert.equal(file.bytes, content.length);
  assert.equal(file.status, 'processed');
  assert.equal(file.filename, 'large.jsonl');
  const downloaded = Buffer.from(await (await t.client.files.content(file.id)).arrayBuffer());
  assert.ok(downloaded.equals(content));
  assert.deepEqual(await partBlobs(t.dataDir), []);

  const small = join(dir, 'small.jsonl');
  await writeFile(small, chatJsonlOfAtLeast(1000));
  const one = await runCli(t.url, 'files', 'upload', small, '--json');
  assert.equal(one.code, 0, one.stderr);
  assert.doesNotMatch(one.stderr, /parts/, 'a file within the limit goes in one request');
});
