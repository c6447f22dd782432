import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseDisposition } from 'content-disposition';
import { toFile } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { mistralClient, uploadMistral } from '../mistral/mistral-helpers.ts';
import { multipartBody, rawRequest } from './raw-http.ts';

// Any UTF-8 filename round-trips through upload, listing and download with a
// valid RFC 6266/5987 Content-Disposition and the true Content-Length; control
// characters are refused at upload in the dialect's shape and store nothing.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

// (Multipart itself writes `"` and line breaks in a name as %22/%0A, so those never reach a server.)
// The multipart parser also keeps only the last part of a path (`a/b.jsonl` → `b.jsonl`).
const NAMES = ['日本語.jsonl', 'naïve résumé.jsonl', 'emoji 🚀 100%.jsonl', "semi;colon, comma 'and' more.jsonl"];
const content = demoTrainingJsonl();

function checkDownloadHeaders(headers: Headers, filename: string) {
  const disposition = headers.get('content-disposition');
  assert.ok(disposition, 'a content-disposition header');
  assert.match(disposition, /^[\x20-\x7e]+$/, 'the header is plain ASCII (RFC 5987 encodes the rest)');
  const parsed = parseDisposition(disposition);
  assert.equal(parsed.type, 'attachment');
  assert.equal(parsed.parameters['filename'], filename);
  assert.equal(headers.get('content-length'), String(Buffer.byteLength(content)));
}

test('OpenAI: UTF-8 filenames upload, list and download with a correct Content-Disposition and Content-Length', async () => {
  for (const name of NAMES) {
    const file = await t.client.files.create({ file: await toFile(Buffer.from(content), name), purpose: 'fine-tune' });
    assert.equal(file.filename, name);
    assert.equal((await t.client.files.retrieve(file.id)).filename, name);
    const response = await t.client.files.content(file.id);
    checkDownloadHeaders(response.headers, name);
    assert.equal(await response.text(), content);
  }
});

test('Mistral: UTF-8 filenames upload and download (also through a signed URL) with a correct Content-Disposition', async () => {
  const client = mistralClient(t);
  for (const name of NAMES) {
    const file = await uploadMistral(client, content, name);
    assert.equal(file.filename, name);
    const response = await fetch(`${t.url}/mistral/v1/files/${file.id}/content`, { headers: { authorization: 'Bearer test-key' } });
    assert.equal(response.status, 200);
    checkDownloadHeaders(response.headers, name);
    assert.equal(await response.text(), content);
    const stream = await client.files.download({ fileId: file.id });
    assert.equal(await new Response(stream).text(), content);
    const { url } = await client.files.getSignedUrl({ fileId: file.id });
    const signed = await fetch(url);
    checkDownloadHeaders(signed.headers, name);
  }
});

for (const [prefix, expect] of [
  ['/v1', (status: number, body: any) => {
    assert.equal(status, 400);
    assert.equal(body.error.code, 'invalid_filename');
    assert.equal(body.error.param, 'file');
    assert.match(body.error.message, /control character \(U\+00(01|09|1B|85) at position \d+\)/);
  }],
  ['/mistral/v1', (status: number, body: any) => {
    assert.equal(status, 422);
    assert.equal(body.detail[0].type, 'invalid_filename');
    assert.deepEqual(body.detail[0].loc, ['body', 'file']);
    assert.match(body.detail[0].msg, /control character/);
  }],
] as const) {
  test(`${prefix}: a filename with control characters is refused at upload and stores nothing`, async () => {
    const before = (await t.client.files.list()).data.length;
    for (const disposition of ['filename="bad\x01name.jsonl"', 'filename="tab\tname.jsonl"', 'filename="esc\x1b[31mred.jsonl"', 'filename="next-line\u0085.jsonl"']) {
      const { body, headers } = multipartBody(disposition, content);
      const res = await rawRequest(t.url, 'POST', `${prefix}/files`, headers, body);
      expect(res.status, res.json());
    }
    assert.equal((await t.client.files.list()).data.length, before);
    assert.deepEqual(await readdir(join(t.dataDir, 'tmp')), []);
  });
}
