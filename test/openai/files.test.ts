import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { toFile } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { upload } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// The Files API as the SDK uses it: upload, list with every parameter, retrieve, content, delete.

let t: TestServer;
const ids: string[] = []; // oldest first
before(async () => {
  t = await startServer();
  for (let i = 0; i < 5; i++) ids.push((await upload(t.client, demoTrainingJsonl(), `set-${i}.jsonl`)).id);
  ids.push((await upload(t.client, '{"custom_id":"1"}\n', 'batch.jsonl', 'batch')).id);
});
after(() => t.close());

test('an uploaded file is described exactly and its content comes back byte for byte', async () => {
  const { client } = t;
  const file = await client.files.retrieve(ids[0]!);
  assert.deepEqual(Object.keys(file), ['object', 'id', 'purpose', 'filename', 'bytes', 'created_at', 'expires_at', 'status', 'status_details']);
  assert.equal(file.object, 'file');
  assert.match(file.id, /^file-[0-9A-Za-z]{24}$/);
  assert.equal(file.filename, 'set-0.jsonl');
  assert.equal(file.bytes, Buffer.byteLength(demoTrainingJsonl()));
  assert.equal(file.status, 'processed');
  assert.equal(file.status_details, null);
  assert.equal(file.expires_at, null);
  const response = await client.files.content(file.id);
  assert.equal(response.headers.get('content-type'), 'application/octet-stream');
  assert.equal(await response.text(), demoTrainingJsonl());
});

test('list filters by purpose, orders, limits and pages with after', async () => {
  const { client } = t;
  const all = await client.files.list();
  assert.deepEqual(all.data.map((f) => f.id), [...ids].reverse(), 'newest first by default');
  const fineTune = await client.files.list({ purpose: 'fine-tune' });
  assert.equal(fineTune.data.length, 5);
  const batch = await client.files.list({ purpose: 'batch' });
  assert.deepEqual(batch.data.map((f) => f.id), [ids[5]]);
  const asc = await client.files.list({ order: 'asc', limit: 2 });
  assert.deepEqual(asc.data.map((f) => f.id), ids.slice(0, 2));
  assert.equal(asc.has_more, true);
  const raw = (await client.get('/files', { query: { order: 'asc', limit: 2 } })) as { first_id: string; last_id: string };
  assert.equal(raw.first_id, ids[0]);
  assert.equal(raw.last_id, ids[1]);
  const next = await client.files.list({ order: 'asc', limit: 2, after: ids[1] });
  assert.deepEqual(next.data.map((f) => f.id), ids.slice(2, 4));
  // The SDK's auto-pagination walks every page.
  const walked = [];
  for await (const f of client.files.list({ limit: 4 })) walked.push(f.id);
  assert.deepEqual(walked, [...ids].reverse());
  const end = await client.files.list({ after: ids[0] });
  assert.deepEqual(end.data, []);
  assert.equal(end.has_more, false);
});

test('expires_after sets expires_at', async () => {
  const file = await t.client.files.create({
    file: await toFile(Buffer.from(demoTrainingJsonl()), 'expiring.jsonl'),
    purpose: 'fine-tune',
    expires_after: { anchor: 'created_at', seconds: 3600 },
  });
  assert.equal(file.expires_at, file.created_at + 3600);
  await t.client.files.delete(file.id);
});

test('delete removes the record and its content', async () => {
  const { client } = t;
  const id = ids[4]!;
  assert.deepEqual(await client.files.delete(id), { id, object: 'file', deleted: true });
  await assert.rejects(client.files.retrieve(id), (err: { status: number }) => err.status === 404);
  await assert.rejects(client.files.content(id), (err: { status: number }) => err.status === 404);
  assert.ok(!(await client.files.list()).data.some((f) => f.id === id));
});
