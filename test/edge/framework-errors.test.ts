import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MistralError } from '@mistralai/mistralai/models/errors/mistralerror.js';
import OpenAI from 'openai';
import { startServer, type TestServer } from '../helpers/server.ts';
import { mistralClient } from '../mistral/mistral-helpers.ts';
import { multipartBody, rawRequest, type RawResponse } from './raw-http.ts';

// Fastify's and the multipart parser's own errors, and out-of-range paging,
// answered in each dialect's error shape with a catalogue code, never Fastify's
// default `{statusCode, error, message}` and never a 500.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

const DIALECTS = [
  {
    prefix: '/v1',
    /** OpenAI's envelope, exactly. */
    codeOf(res: RawResponse) {
      const body = res.json() as { error: Record<string, unknown> };
      assert.deepEqual(Object.keys(body), ['error'], res.body);
      assert.deepEqual(Object.keys(body.error), ['message', 'type', 'param', 'code'], res.body);
      assert.equal(typeof body.error['message'], 'string');
      return body.error['code'];
    },
  },
  {
    prefix: '/mistral/v1',
    /** Mistral's `{object: 'error'}` envelope, exactly. */
    codeOf(res: RawResponse) {
      const body = res.json() as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['object', 'message', 'type', 'param', 'code'], res.body);
      assert.equal(body['object'], 'error');
      return body['code'];
    },
  },
];

const json = { 'content-type': 'application/json' };

for (const { prefix, codeOf } of DIALECTS) {
  test(`${prefix}: router errors (a path parameter too long, bad percent-encoding) in the dialect's envelope`, async () => {
    const long = await rawRequest(t.url, 'GET', `${prefix}/files/${'a'.repeat(500)}`);
    assert.equal(long.status, 414);
    assert.equal(codeOf(long), 'url_too_long');
    const badEncoding = await rawRequest(t.url, 'GET', `${prefix}/files/%E0%A4%A`);
    assert.equal(badEncoding.status, 400);
    assert.equal(codeOf(badEncoding), 'invalid_url');
  });

  test(`${prefix}: body errors (bad JSON, unknown content type, body too large) in the dialect's envelope`, async () => {
    const badJson = await rawRequest(t.url, 'POST', `${prefix}/fine_tuning/jobs`, json, '{"model": ');
    assert.equal(badJson.status, 400);
    assert.equal(codeOf(badJson), 'invalid_json');
    const weirdType = await rawRequest(t.url, 'POST', `${prefix}/fine_tuning/jobs`, { 'content-type': 'text/x-unknown' }, 'model=x');
    assert.equal(weirdType.status, 400);
    assert.equal(codeOf(weirdType), 'invalid_content_type');
    const huge = await rawRequest(t.url, 'POST', `${prefix}/fine_tuning/jobs`, json, `{"model": "${'x'.repeat(9 * 1024 * 1024)}"}`);
    assert.equal(huge.status, 413);
    assert.equal(codeOf(huge), 'request_too_large');
  });

  test(`${prefix}: a truncated or malformed multipart upload is a 400 in the dialect's envelope and stores nothing`, async () => {
    const before = (await t.client.files.list()).data.length;
    const cut = multipartBody('filename="cut.jsonl"', '{"text": "hello"}\n', 'fine-tune', { truncate: true });
    const truncated = await rawRequest(t.url, 'POST', `${prefix}/files`, cut.headers, cut.body);
    assert.equal(truncated.status, 400, truncated.body);
    assert.equal(codeOf(truncated), 'invalid_multipart');
    const noBoundary = await rawRequest(t.url, 'POST', `${prefix}/files`, { 'content-type': 'multipart/form-data' }, 'junk');
    assert.equal(noBoundary.status, 400, noBoundary.body);
    assert.equal(codeOf(noBoundary), 'invalid_multipart');
    assert.equal((await t.client.files.list()).data.length, before);
    assert.deepEqual(await readdir(join(t.dataDir, 'tmp')), []);
  });
}

test('OpenAI: out-of-range paging is a 400 through the SDK, never a 500', async () => {
  for (const call of [() => t.client.files.list({ limit: 999999999999999 }), () => t.client.fineTuning.jobs.list({ limit: 999999999999999 })]) {
    const err = await call().then(
      () => assert.fail('paging out of range was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal((err.error as { code: string }).code, 'value_above_maximum');
  }
  const raw = await rawRequest(t.url, 'GET', '/v1/fine_tuning/jobs?limit=1e400');
  assert.equal(raw.status, 400, raw.body);
});

test('Mistral: out-of-range paging is refused as an invalid field (422 detail) through the SDK, never a 500', async () => {
  const client = mistralClient(t);
  for (const call of [
    () => client.files.list({ page: 999999999999999 }),
    () => client.files.list({ pageSize: 999999999999999 }),
    () => client.fineTuning.jobs.list({ page: 999999999999999 }),
    () => client.fineTuning.jobs.list({ pageSize: 99999999 }),
  ]) {
    const err = await call().then(
      () => assert.fail('paging out of range was accepted'),
      (e: unknown) => e,
    );
    // jobs.list declares FastAPI's 422 and parses it; files.list hands back the raw body.
    assert.ok(err instanceof MistralError, String(err));
    assert.equal(err.statusCode, 422);
    const [detail] = (JSON.parse(err.body) as { detail: { type: string; loc: (string | number)[] }[] }).detail;
    assert.equal(detail?.type, 'value_above_maximum');
    assert.equal(detail?.loc[0], 'query', JSON.stringify(detail));
    assert.ok(['page', 'page_size'].includes(String(detail?.loc.at(-1))), JSON.stringify(detail));
  }
  // The last page a list accepts is simply empty.
  assert.deepEqual((await client.files.list({ page: 1_000_000_000 })).data, []);
});

test('HTTP too malformed to route (no route, no dialect) is answered 400 in a body both SDKs read, and the connection closes', async () => {
  const { createConnection } = await import('node:net');
  const { port } = new URL(t.url);
  for (const raw of ['NOT-HTTP /v1/models HTTP/1.1\r\n\r\n', 'POST /v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello']) {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = createConnection(Number(port), '127.0.0.1', () => socket.end(raw));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head!, /^HTTP\/1\.1 400 /, answer);
    assert.match(head!, /connection: close/i);
    const parsed = JSON.parse(body!) as { object: string; code: string; error: { code: string; type: string } };
    assert.equal(parsed.object, 'error', 'Mistral\'s envelope');
    assert.equal(parsed.error.code, 'invalid_request', 'OpenAI\'s envelope');
    assert.equal(parsed.error.type, 'invalid_request_error');
  }
  assert.equal((await fetch(`${t.url}/health`)).status, 200);
});
