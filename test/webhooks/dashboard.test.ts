import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dashboardFixture, openPage } from '../dashboard/browser.ts';
import { uploadDemo } from '../helpers/jobs.ts';
import { Receiver } from './receiver.ts';

// The Webhooks page in real Chromium: create an endpoint (its secret shown once),
// see its delivery log fill with a test event and a job's event, delete it.

const fixture = dashboardFixture();
let receiver: Receiver;
before(async () => {
  receiver = await new Receiver('').start();
});
after(() => receiver?.close());

test('create an endpoint, read its secret once, follow its deliveries, delete it', async () => {
  const { server, browser } = fixture;
  const { page, errors } = await openPage(browser, `${server.url}/webhooks`);
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
  await page.getByText('No webhook endpoints.').waitFor();
  await page.fill('input[name="endpoint-name"]', 'dashboard hooks');
  await page.fill('input[name="endpoint-url"]', receiver.url);
  await page.uncheck('input[name="fine_tuning.job.failed"]');
  await page.click('button:text-is("Create endpoint")');
  const secret = (await page.locator('.new-key code').textContent())!;
  assert.match(secret, /^whsec_/);
  receiver.secret = secret;
  const row = page.locator('tr[data-endpoint-id]', { hasText: 'dashboard hooks' });
  await row.waitFor();
  const id = (await row.getAttribute('data-endpoint-id'))!;
  const endpoint = await server.client.webhooks.retrieve(id);
  assert.deepEqual(endpoint.event_types, ['fine_tuning.job.succeeded', 'fine_tuning.job.cancelled']);
  assert.match(await row.textContent() ?? '', new RegExp(`whsec_…${secret.slice(-4)}`));

  // Its page: a test event, then a real one from a cancelled job, each verified by the receiver.
  await row.locator('a', { hasText: 'dashboard hooks' }).click();
  await page.getByRole('heading', { name: 'dashboard hooks' }).waitFor();
  await page.click('button:text-is("Send test event")');
  await page.locator('tr[data-attempt-id]', { hasText: '(test)' }).locator('td.status-code', { hasText: '200' }).waitFor();
  const { training } = await uploadDemo(server.client);
  const job = await server.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id });
  await server.client.fineTuning.jobs.cancel(job.id);
  await page.locator('tr[data-attempt-id]', { hasText: 'fine_tuning.job.cancelled' }).locator('td.status-code', { hasText: '200' }).waitFor();
  assert.deepEqual(receiver.rejected, []);
  assert.deepEqual(receiver.accepted.map((r) => r.event.type), ['fine_tuning.job.succeeded', 'fine_tuning.job.cancelled']);
  assert.equal(receiver.accepted[1]!.subject, job.id);

  await page.click('nav.topbar a[href="/webhooks"]');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.locator(`tr[data-endpoint-id="${id}"]`).locator('button:text-is("Delete")').click();
  await page.getByText('No webhook endpoints.').waitFor();
  assert.deepEqual((await server.client.webhooks.list()).data, []);
  assert.deepEqual(errors, []);
});
