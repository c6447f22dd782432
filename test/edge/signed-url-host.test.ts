import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { mistralClient, uploadMistral } from '../mistral/mistral-helpers.ts';
import { rawRequest } from './raw-http.ts';

// A signed file URL is built from SELFTUNE_PUBLIC_URL (else the server's own
// listen address), never from headers the client writes: a forged Host or
// X-Forwarded-Host must not turn the link into one pointing elsewhere.

const FORGED = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' };

async function signedUrlWithForgedHeaders(t: TestServer): Promise<string> {
  const file = await uploadMistral(mistralClient(t), demoTrainingJsonl(), 'host.jsonl');
  const res = await rawRequest(t.url, 'GET', `/mistral/v1/files/${file.id}/url?expiry=1`, FORGED);
  assert.equal(res.status, 200, res.body);
  const { url } = res.json() as { url: string };
  assert.doesNotMatch(url, /evil/);
  return url;
}

test('with SELFTUNE_PUBLIC_URL, signed URLs point there whatever the Host and X-Forwarded-Host headers say', async () => {
  const t = await startServer({ publicUrl: 'https://tune.example.com/base/' });
  try {
    const url = await signedUrlWithForgedHeaders(t);
    assert.match(url, /^https:\/\/tune\.example\.com\/base\/mistral\/v1\/files\/[0-9a-f-]{36}\/content\?project=proj_default&expires=\d+&signature=[0-9a-f]{64}$/);
    // The link's path and query work on this server (the public address is a proxy in front of it).
    const local = new URL(url.replace('https://tune.example.com/base', t.url));
    assert.equal((await fetch(local, { headers: { authorization: '' } })).status, 200);
  } finally {
    await t.close();
  }
});

test('without SELFTUNE_PUBLIC_URL, signed URLs point at the address the server listens on and work there', async () => {
  const t = await startServer();
  try {
    const url = await signedUrlWithForgedHeaders(t);
    assert.ok(url.startsWith(`${t.url}/mistral/v1/files/`), url);
    const download = await fetch(url);
    assert.equal(download.status, 200);
    assert.equal(await download.text(), demoTrainingJsonl());
  } finally {
    await t.close();
  }
});
