import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openAiClient } from '../helpers/tenants.ts';
import { ensureDashboardBuilt, launchBrowser, openPage } from './browser.ts';

// The dashboard on a server with keys: it asks for one, signs in and out, an
// admin key manages projects and keys, and a project key sees its own project only.

const ADMIN_KEY = 'sk-admin-test-dashboard-0123456789';
let s: TestServer;
let browser: Browser;
let admin: OpenAI;

before(async () => {
  ensureDashboardBuilt();
  [s, browser] = await Promise.all([startServer({ adminKey: ADMIN_KEY }), launchBrowser()]);
  admin = new OpenAI({ adminAPIKey: ADMIN_KEY, baseURL: `${s.url}/v1`, maxRetries: 0 });
});
after(async () => {
  await browser?.close();
  await s?.close();
});

const prompt = (page: Page) => page.getByRole('dialog', { name: 'Sign in with an API key' });

async function signIn(page: Page, key: string) {
  await prompt(page).waitFor();
  await page.fill('input[name="api-key"]', key);
  await prompt(page).locator('button:text-is("Sign in")').click(); // the top bar has a Sign in button too
  await prompt(page).waitFor({ state: 'detached' });
}

/** Errors other than the refused requests (401) that made the prompt appear. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 401/.test(e));

const status = (promise: Promise<unknown>) => promise.then(() => 200, (err: unknown) => (err instanceof OpenAI.APIError ? err.status : -1));

test('the dashboard asks for a key on 401; an admin key creates a project and a key (shown once), revokes it, and signs out', async () => {
  const { page, errors } = await openPage(browser, s.url);
  await prompt(page).getByText("You didn't provide an API key").waitFor();
  await page.fill('input[name="api-key"]', 'sk-proj-not-a-key');
  await prompt(page).locator('button:text-is("Sign in")').click(); // the top bar has a Sign in button too
  await prompt(page).getByText('Incorrect API key provided').waitFor(); // asked again, with the server's reason
  await signIn(page, ADMIN_KEY);
  await page.getByRole('heading', { name: 'Fine-tuning jobs' }).waitFor();

  await page.click('nav.topbar a[href="/projects"]');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.locator('tr[data-project-id="proj_default"]').waitFor();
  await page.fill('input[name="project-name"]', 'Dashboard project');
  await page.click('button:text-is("Create project")');
  const row = page.locator('tr', { hasText: 'Dashboard project' });
  await row.waitFor();
  const projectId = (await row.getAttribute('data-project-id'))!;
  assert.match(projectId, /^proj_\w+$/);
  assert.equal((await admin.admin.organization.projects.retrieve(projectId)).name, 'Dashboard project');

  await row.locator('a').click();
  await page.getByRole('heading', { name: 'Dashboard project' }).waitFor();
  await page.fill('input[name="key-name"]', 'notebook');
  await page.selectOption('select[name="role"]', 'reader');
  await page.click('button:text-is("Create key")');
  const value = (await page.locator('.new-key code').innerText()).trim();
  assert.match(value, /^sk-proj-\w{48}$/);
  const keyRow = page.locator('tr', { hasText: `…${value.slice(-4)}` });
  await keyRow.getByText('reader').waitFor();
  assert.equal(await status(openAiClient(s, value).files.list()), 200, 'the key shown works');
  assert.equal(await status(openAiClient(s, value).files.create({ file: new File(['{}\n'], 'x.jsonl'), purpose: 'fine-tune' })), 403, 'as a reader');
  await page.reload();
  await keyRow.waitFor();
  assert.equal(await page.locator('.new-key').count(), 0, 'the key is shown once');
  assert.ok(!(await page.content()).includes(value));

  page.once('dialog', (dialog) => void dialog.accept());
  await keyRow.locator('button:text-is("Revoke")').click();
  await keyRow.waitFor({ state: 'detached' });
  assert.equal(await status(openAiClient(s, value).files.list()), 401, 'revoked');

  await page.click('button:text-is("Sign out")');
  await prompt(page).waitFor(); // the next request has no key
  assert.equal(await page.evaluate(() => localStorage.getItem('selftune.apiKey')), null);
  assert.deepEqual(unexpected(errors), []);
});

test("a project key sees only its own project's files and jobs, and not the Projects page", async () => {
  const projects = await Promise.all(['Alpha', 'Beta'].map((name) => admin.admin.organization.projects.create({ name })));
  const keys = await Promise.all(projects.map(async (p) => (await admin.admin.organization.projects.serviceAccounts.create(p.id, { name: 'team' })).api_key!.value));
  const names = ['alpha-only.jsonl', 'beta-only.jsonl'];
  await Promise.all(keys.map((key, i) => openAiClient(s, key).files.create({ file: new File(['{"text":"hi"}\n'], names[i]!), purpose: 'fine-tune' })));

  for (const [i, key] of keys.entries()) {
    const { page, errors } = await openPage(browser, `${s.url}/files`);
    await signIn(page, key);
    await page.locator(`td:text-is("${names[i]}")`).waitFor();
    assert.equal(await page.locator(`td:text-is("${names[1 - i]}")`).count(), 0, `${projects[i]!.name} does not see the other project's file`);

    await page.click('nav.topbar a[href="/projects"]');
    await page.getByText('Projects and keys are managed with an admin key').waitFor();
    assert.equal(await page.locator('tr[data-project-id]').count(), 0);
    assert.deepEqual(unexpected(errors).filter((e) => !/status of 403/.test(e)), []);
    await page.context().close();
  }
});
