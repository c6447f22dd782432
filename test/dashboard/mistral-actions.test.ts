import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { toOpenAiId } from '../../src/ids/ids.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from '../mistral/mistral-helpers.ts';
import { SHORT_WAIT_MS, waitUntil } from '../helpers/wait.ts';
import { dashboardFixture, openPage } from './browser.ts';

// The dashboard's buttons that use Mistral's routes: Start on a VALIDATED job,
// and Rename / Archive / Unarchive on a fine-tuned model.

const fixture = dashboardFixture();

test('Start runs a job that waits in VALIDATED; Rename and Archive reach the model', async () => {
  const { server: s, browser } = fixture;
  const mistral = mistralClient(s);
  const file = await uploadMistral(mistral, demoTrainingJsonl());
  const job = await createJob(mistral, {
    model: 'selftune-tiny',
    trainingFiles: [{ fileId: file.id, weight: 1 }],
    hyperparameters: { trainingSteps: 24, learningRate: 0.001 },
    autoStart: false,
  });
  await waitMistral(mistral, job.id, (j) => j.status === 'VALIDATED');

  const { page, errors } = await openPage(browser, `${s.url}/jobs/${toOpenAiId('job', job.id)}`);
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Start' }).click();
  const done = await waitMistral(mistral, job.id, isOver);
  assert.equal(done.status, 'SUCCESS');
  const model = done.fineTunedModel!;

  await page.goto(`${s.url}/models`);
  const row = page.locator(`tr[data-model-id="${model}"]`);
  page.once('dialog', (d) => void d.accept('support-bot'));
  await row.getByRole('button', { name: 'Rename' }).click();
  await waitFor(async () => (await mistral.models.retrieve({ modelId: model })).name === 'support-bot');
  await row.locator('.model-name', { hasText: 'support-bot' }).waitFor();
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Archive' }).click();
  await waitFor(async () => {
    const card = await mistral.models.retrieve({ modelId: model });
    return 'archived' in card && card.archived === true;
  });
  await row.locator('.badge.archived').waitFor();
  await row.getByRole('button', { name: 'Unarchive' }).click();
  await waitFor(async () => {
    const card = await mistral.models.retrieve({ modelId: model });
    return 'archived' in card && card.archived === false;
  });
  await row.locator('.badge.archived').waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
});

const waitFor = (check: () => Promise<boolean>) => waitUntil(check, { timeoutMs: SHORT_WAIT_MS, intervalMs: 200, what: 'the change' });
