import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sleep, uploadDemo, waitForJob, waitForStep } from '../helpers/jobs.ts';
import { chartPoints, dashboardFixture, openPage } from './browser.ts';

const fixture = dashboardFixture();

// Kept after the run for a person to look at.
const SCREENSHOT = join(tmpdir(), 'selftune-dashboard-job.png');

test('the job page charts a running job live, and cancels it only after confirmation', async () => {
  const { server: s, browser } = fixture;
  const { training, validation } = await uploadDemo(s.client);
  const job = await s.client.fineTuning.jobs.create({
    model: 'selftune-tiny',
    training_file: training.id,
    validation_file: validation.id,
    hyperparameters: { n_epochs: 40 },
    metadata: { team: 'dashboard' },
  });
  await waitForStep(s.client, job.id, 5);

  const { page, errors } = await openPage(browser, `${s.url}/jobs/${job.id}`);
  await page.getByText('running', { exact: true }).waitFor();
  await page.waitForFunction(() => Number(document.querySelector('.chart-plot')?.getAttribute('data-points')) > 0);
  const first = await chartPoints(page, 'Loss');
  assert.ok((await page.locator('figure.chart', { hasText: 'Loss' }).locator('canvas').count()) > 0, 'uPlot drew a canvas');
  await page.waitForFunction((n) => Number(document.querySelector('.chart-plot')?.getAttribute('data-points')) >= n + 10, first);
  assert.ok((await chartPoints(page, 'Token accuracy')) > first, 'the accuracy chart grows too');

  // What the page says matches the API.
  const progress = await page.locator('.progress-row .progress-text').innerText();
  assert.match(progress, /^\d+\/960$/);
  await page.getByText(/^ETA /).waitFor();
  const hp = page.locator('h2:text-is("Hyperparameters") + table');
  assert.match(await hp.innerText(), /n_epochs\s+40/);
  assert.match(await hp.innerText(), /batch_size\s+1\b/, 'resolved from auto once running');
  assert.match(await page.locator('h2:text-is("Metadata") + table').innerText(), /team\s+dashboard/);
  await page.locator('.events li', { hasText: 'Training selftune-tiny' }).waitFor();
  await page.locator('table.checkpoints td', { hasText: /:ckpt-step-\d+$/ }).first().waitFor();
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Declining the confirmation sends nothing.
  page.once('dialog', (d) => void d.dismiss());
  await page.getByRole('button', { name: 'Cancel' }).click();
  await sleep(500);
  assert.equal((await s.client.fineTuning.jobs.retrieve(job.id)).status, 'running');

  page.once('dialog', (d) => {
    assert.match(d.message(), /Cancel job/);
    void d.accept();
  });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await waitForJob(s.client, job.id, (j) => j.status === 'cancelled');
  await page.locator('.page-header .badge', { hasText: 'cancelled' }).waitFor();
  await page.getByRole('button', { name: 'Cancel' }).waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
});
