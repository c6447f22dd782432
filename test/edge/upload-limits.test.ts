import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { toFile } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { SHORT_WAIT_MS, waitUntil } from '../helpers/wait.ts';
import { filePartHead, openRaw, uploadHead, within } from './slow-socket.ts';

// An upload that declares more than the server accepts is refused before its
// body is read; one that stalls, or takes too long, is cut and leaves nothing
// staged. Timeouts are short here so the tests wait seconds, not minutes.

let t: TestServer;
before(async () => {
  t = await startServer({ maxUploadBytes: 1024 * 1024, bodyIdleTimeoutSeconds: 1, uploadTimeoutSeconds: 4, headersTimeoutSeconds: 2 });
});
after(() => t.close());

const staged = () => readdir(t.server.ctx.stagingPath(''));
const TWO_GB = 2 * 1024 ** 3;

/** The status line and JSON body of the one response on a raw connection. */
function response(text: string) {
  const [head, body] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]), head: head ?? '', body: JSON.parse(body ?? 'null') as Record<string, any> };
}

for (const [path, check] of [
  ['/v1/files', (body: Record<string, any>) => assert.equal(body.error.code, 'file_too_large')],
  ['/mistral/v1/files', (body: Record<string, any>) => (assert.equal(body.object, 'error'), assert.equal(body.code, 'file_too_large'))],
] as const) {
  test(`${path}: an upload that declares 2 GB and sends 13 bytes gets its 413 at once, and the connection is closed`, async () => {
    const c = await openRaw(t.url);
    c.write(uploadHead(path, TWO_GB) + 'thirteen byte');
    await within(c.closed, SHORT_WAIT_MS, 'the server to answer and close');
    const r = response(c.received());
    assert.equal(r.status, 413, c.received());
    assert.match(r.head, /connection: close/i);
    check(r.body);
    assert.match(JSON.stringify(r.body), /declares 2147483648 bytes; uploads are limited to 1048576 bytes/);
    assert.deepEqual(await staged(), []);
  });
}

test('a JSON body declared over the body limit is refused before it is read', async () => {
  const c = await openRaw(t.url);
  c.write(`POST /v1/fine_tuning/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${TWO_GB}\r\n\r\n{"model"`);
  await c.closed;
  const r = response(c.received());
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'request_too_large');
});

test('an upload that stops sending mid-body is cut after the idle timeout and leaves nothing staged', async () => {
  const c = await openRaw(t.url);
  c.write(uploadHead('/v1/files', 100_000) + filePartHead() + demoTrainingJsonl().slice(0, 500));
  await waitUntil(async () => (await staged()).length > 0, { timeoutMs: SHORT_WAIT_MS, what: 'the upload to be staged' });
  await within(c.closed, SHORT_WAIT_MS, 'the stalled upload to be cut');
  await waitUntil(async () => (await staged()).length === 0, { timeoutMs: SHORT_WAIT_MS, what: 'the staged part to be removed' });
  assert.equal(await t.client.files.list().then((p) => p.data.length), 0, 'no file was stored');
});

test('an upload that keeps trickling past the total upload timeout is cut and leaves nothing staged', async () => {
  const c = await openRaw(t.url);
  c.write(uploadHead('/v1/files', 100_000) + filePartHead());
  const trickling = c.trickle('x'.repeat(90_000), 1, 200); // never idle for the 1 s idle limit, and would take 5 hours
  await within(c.closed, SHORT_WAIT_MS, 'the slow upload to be cut');
  await trickling;
  await waitUntil(async () => (await staged()).length === 0, { timeoutMs: SHORT_WAIT_MS, what: 'the staged part to be removed' });
});

test('headers that trickle past the headers timeout are cut', async () => {
  const c = await openRaw(t.url);
  const trickling = c.trickle(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(10_000)}\r\n\r\n`, 1, 100);
  await within(c.closed, SHORT_WAIT_MS, 'the slow headers to be cut');
  await trickling;
  assert.doesNotMatch(c.received(), /HTTP\/1\.1 200/);
});

test('after all that the server still takes uploads', async () => {
  const file = await t.client.files.create({ file: await toFile(Buffer.from(demoTrainingJsonl()), 'fine.jsonl'), purpose: 'fine-tune' });
  assert.equal(file.status, 'processed');
  assert.deepEqual(await staged(), []);
});
