import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { dashboardFixture, openPage } from './browser.ts';

const fixture = dashboardFixture();

test('a job created through the form uploads its file and trains to success', async () => {
  const { server: s, browser } = fixture;
  const { page, errors } = await openPage(browser, `${s.url}/new`);
  assert.deepEqual(await page.locator('input[name=n_epochs]').getAttribute('placeholder'), 'auto', 'defaults are shown as auto');
  await page.locator('select[name=model] option:text-is("selftune-tiny")').waitFor({ state: 'attached' });
  await page.setInputFiles('input[name=training_file_upload]', { name: 'my-train.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(demoTrainingJsonl()) });
  await page.waitForFunction(() => (document.querySelector('select[name=training_file]') as HTMLSelectElement).value.startsWith('file-'));
  await page.selectOption('select[name=model]', 'selftune-tiny');
  await page.fill('input[name=n_epochs]', '2');
  await page.fill('input[name=suffix]', 'from-form');
  await page.getByRole('button', { name: 'Create job' }).click();

  await page.waitForURL(/\/jobs\/ftjob-/);
  const id = new URL(page.url()).pathname.split('/').at(-1)!;
  await page.locator('.page-header .badge', { hasText: 'succeeded' }).waitFor();
  const job = await s.client.fineTuning.jobs.retrieve(id);
  assert.equal(job.status, 'succeeded');
  assert.equal(job.hyperparameters.n_epochs, 2);
  assert.equal(job.hyperparameters.batch_size, 1, 'left as auto, resolved by the server');
  assert.match(job.fine_tuned_model ?? '', /:from-form:/, 'the suffix names the model');
  assert.equal((await s.client.files.retrieve(job.training_file)).filename, 'my-train.jsonl');
  // The finished page shows the whole run and the model it made.
  await page.locator('.progress-row .progress-text', { hasText: '48/48' }).waitFor();
  await page.getByText(job.fine_tuned_model!).first().waitFor();
  assert.deepEqual(errors, []);
});
