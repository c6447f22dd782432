import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { uploadDemo, waitForJob, isFinished } from '../helpers/jobs.ts';
import { ensureDashboardBuilt } from './browser.ts';

let s: TestServer;
before(async () => {
  ensureDashboardBuilt();
  s = await startServer();
});
after(() => s.close());

const get = (path: string, accept = 'text/html') => fetch(`${s.url}${path}`, { headers: { accept } });

test('the app is served at / and for deep links; assets are cached for good, the page is not', async () => {
  for (const path of ['/', '/jobs/ftjob-000000000000000000000000', '/files']) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(await res.text(), /<div id="app">/);
  }
  const html = await (await get('/')).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, 'index.html names the bundle');
  const res = await fetch(`${s.url}${script}`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-encoding'), 'br');
  assert.match(res.headers.get('cache-control') ?? '', /immutable/);
});

test('API paths keep their own 404s, even when a browser asks for HTML', async () => {
  const openai = await get('/v1/no-such-route');
  assert.equal(openai.status, 404);
  assert.equal(((await openai.json()) as { error: { code: string } }).error.code, 'unknown_url');
  const mistral = await get('/mistral/v1/no-such-route');
  assert.equal(mistral.status, 404);
  assert.equal(((await mistral.json()) as { object: string }).object, 'error');
  for (const path of ['/health/x', '/mistral/x']) assert.equal((await get(path)).status, 404, path);
  assert.equal((await get('/anything', 'application/json')).status, 404, 'non-HTML requests are not given the app');
});

test('events list extension: type=metrics and type=message each keep one kind', async () => {
  const { training } = await uploadDemo(s.client);
  const job = await s.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 } });
  await waitForJob(s.client, job.id, isFinished);
  const page = async (type: string) =>
    ((await (await fetch(`${s.url}/v1/fine_tuning/jobs/${job.id}/events?type=${type}&limit=1000`)).json()) as { data: { type: string }[] }).data;
  const metrics = await page('metrics');
  const messages = await page('message');
  assert.ok(metrics.length >= 24 && metrics.every((e) => e.type === 'metrics'));
  assert.ok(messages.length > 0 && messages.every((e) => e.type === 'message'));
  const bad = await fetch(`${s.url}/v1/fine_tuning/jobs/${job.id}/events?type=nope`);
  assert.equal(bad.status, 400);
});
