import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FakeHub } from '../helpers/fake-hub.ts';
import { dashboardFixture, openPage } from './browser.ts';

// The models page: "Pull from Hugging Face" with its progress, and the folders
// of the models directory that cannot be used, each with why.

const fixture = dashboardFixture();
let hub: FakeHub;
before(async () => {
  hub = await FakeHub.start();
  process.env.HF_ENDPOINT = hub.url; // inherited by the server's pull subprocess
});
after(() => hub.close());

test('a model pulled from the form appears in the list; unusable folders say why', async () => {
  const { server: s, browser } = fixture;
  await hub.addRepo('weborg/tiny', join(s.dataDir, 'models', 'selftune-tiny'));
  await mkdir(join(s.dataDir, 'models', 'half-copied'), { recursive: true });
  await writeFile(join(s.dataDir, 'models', 'half-copied', 'config.json'), '{"model_type": "llama"}');
  const { page, errors } = await openPage(browser, `${s.url}/models`);
  await page.locator('tr[data-unusable-id="half-copied"]', { hasText: 'no weights' }).waitFor();
  await page.fill('form.pull-model input[name="model"]', 'weborg/tiny');
  await page.getByRole('button', { name: 'Pull' }).click();
  await page.locator('.pull-progress[data-status="succeeded"]', { hasText: /files/ }).waitFor();
  await page.locator('tr[data-model-id="weborg/tiny"]').waitFor();
  assert.match(await page.locator('.pull-progress').innerText(), /weborg\/tiny: succeeded · [\d.]+ MB \/ [\d.]+ MB · 7\/7 files/);

  await page.fill('form.pull-model input[name="model"]', 'weborg/missing');
  await page.getByRole('button', { name: 'Pull' }).click();
  await page.locator('.pull-progress[data-status="failed"]', { hasText: 'not a model repository' }).waitFor();
  assert.deepEqual(errors, []);
});
