import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';
import { ensureDashboardBuilt, launchBrowser, openPage } from './browser.ts';

// What the dashboard's polling costs the server: the job list asks one request
// per poll however many jobs are running (progress comes with the list), and a
// job page's polls of a job that did not change are answered 304 (the browser
// revalidates with the ETag it kept).

let s: TestServer;
let browser: Browser;
/** Every answer the server sent: path and status, as its HTTP server saw them. */
const answered: Array<{ url: string; status: number }> = [];

before(async () => {
  ensureDashboardBuilt();
  [s, browser] = await Promise.all([startServer({ maxConcurrentJobs: 3 }), launchBrowser()]);
  s.server.app.server.on('request', (req, res) => res.on('finish', () => answered.push({ url: req.url ?? '', status: res.statusCode })));
});
after(async () => {
  await browser?.close();
  await s?.close();
});

test('the job list asks once per poll however many jobs run; an unchanged job page is answered 304', async () => {
  const { training } = await uploadDemo(s.client);
  const finished = await s.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 } });
  await waitForJob(s.client, finished.id, (j) => j.status === 'succeeded');
  const running = [];
  for (let i = 0; i < 3; i++) running.push(await s.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 50 } }));
  for (const job of running) await waitForStep(s.client, job.id, 1);

  const { page, errors } = await openPage(browser, s.url);
  for (const job of running) await page.locator(`tr[data-job-id="${job.id}"] .progress-text`).waitFor();
  const from = answered.length;
  const lists = () => answered.slice(from).filter((a) => a.url.startsWith('/v1/fine_tuning/jobs?'));
  await waitUntil(() => lists().length >= 3, { what: 'three polls of the job list' });
  const jobRequests = answered.slice(from).filter((a) => a.url.startsWith('/v1/fine_tuning/jobs'));
  assert.deepEqual(jobRequests.filter((a) => !a.url.startsWith('/v1/fine_tuning/jobs?')), [], 'no request per running job');
  assert.match(await page.locator(`tr[data-job-id="${running[0]!.id}"] .progress-text`).innerText(), /^\d+\/1200$/);
  assert.match(await page.locator(`tr[data-job-id="${finished.id}"] .progress-text`).innerText(), /^24\/24$/);

  // A finished job's page keeps polling the job: the server answers 304 and the page still shows it.
  await page.goto(`${s.url}/jobs/${finished.id}`);
  await page.getByText('succeeded').first().waitFor();
  const path = `/v1/fine_tuning/jobs/${finished.id}`;
  await waitUntil(() => answered.some((a) => a.url === path && a.status === 304), { what: 'a 304 for the unchanged job' });
  await page.getByText('succeeded').first().waitFor();
  for (const job of running) await s.client.fineTuning.jobs.cancel(job.id);
  assert.deepEqual(errors, []);
});
