import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFinished, upload, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { dashboardFixture, openPage } from './browser.ts';

const fixture = dashboardFixture();

test('the job list shows finished and running jobs, filters by status, and the other pages load cleanly', async () => {
  const { server: s, browser } = fixture;
  const { training } = await uploadDemo(s.client);
  const done = await s.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 3 } });
  await waitForJob(s.client, done.id, (j) => j.status === 'succeeded');
  const running = await s.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 40 } });
  await waitForStep(s.client, running.id, 1);

  const { page, errors } = await openPage(browser, s.url);
  const doneRow = page.locator(`tr[data-job-id="${done.id}"]`);
  const runningRow = page.locator(`tr[data-job-id="${running.id}"]`);
  await doneRow.getByText('succeeded').waitFor();
  await runningRow.getByText('running').waitFor();
  assert.match(await doneRow.locator('.progress-text').innerText(), /^72\/72$/, 'a finished job shows its last step of the total');
  assert.equal(await doneRow.locator('td').nth(2).innerText(), 'selftune-tiny');
  assert.match(await runningRow.locator('.progress-text').innerText(), /^\d+\/960$/);

  // Live: the running job's step moves without a reload.
  const step = async () => Number((await runningRow.locator('.progress-text').innerText()).split('/')[0]);
  const first = await step();
  await page.waitForFunction(
    ([id, before]) => Number(document.querySelector(`tr[data-job-id="${id}"] .progress-text`)?.textContent?.split('/')[0]) > Number(before),
    [running.id, first] as const,
  );

  await page.selectOption('select[name=status]', 'running');
  await page.waitForURL(/status=running/);
  await doneRow.waitFor({ state: 'detached' });
  assert.equal(await page.locator('tbody tr').count(), 1);
  await runningRow.waitFor();

  // Each page shows what the API holds: the uploads, the fine-tuned model, the models to try.
  const pages = [
    ['/files', 'Files', 'td:text-is("train.jsonl")'],
    ['/models', 'Models', `td:text-is("${(await s.client.fineTuning.jobs.retrieve(done.id)).fine_tuned_model}")`],
    ['/playground', 'Playground', 'select[name=model] option:text-is("selftune-tiny")'],
    ['/new', 'New fine-tuning job', 'select[name=training_file] option:has-text("valid.jsonl")'],
  ] as const;
  for (const [path, heading, content] of pages) {
    await page.click(`nav.topbar a[href="${path}"]`);
    await page.getByRole('heading', { name: heading }).waitFor();
    await page.locator(content).first().waitFor({ state: 'attached' });
  }
  await s.client.fineTuning.jobs.cancel(running.id);
  assert.deepEqual(errors, []);
});

test('a failed job shows its error with the bad lines', async () => {
  const { server: s, browser } = fixture;
  const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify(i === 3 ? { messages: [{ role: 'user', content: 'no answer' }] } : { messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] }));
  const file = await upload(s.client, `${lines.join('\n')}\n`);
  const job = await s.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id });
  const failed = await waitForJob(s.client, job.id, isFinished);
  assert.equal(failed.status, 'failed');

  const { page, errors } = await openPage(browser, `${s.url}/jobs/${job.id}`);
  const box = page.locator('.job-error');
  await box.waitFor();
  assert.ok((await box.innerText()).includes(failed.error!.message!.split('\n')[0]!), 'the message the API gives, as given');
  assert.match(await box.innerText(), /line 4/i);
  assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0, 'a finished job offers no cancel');
  assert.deepEqual(errors, []);
});
