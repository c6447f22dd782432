import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from '../../src/config/paths.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { LONG_WAIT_MS } from '../helpers/wait.ts';

/** Builds web/dist if a source changed since (npm test's setup has usually done it). */
export function ensureDashboardBuilt(): void {
  execFileSync(process.execPath, [join(repoRoot, 'scripts/build-web.mjs'), '--if-stale'], { stdio: 'inherit' });
}

/** Debian's Chromium, headless; nothing is ever downloaded. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.SELFTUNE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
}

/**
 * A fresh page that records every console error. Failed loads from the
 * Mistral routes are left out: the dashboard probes them and handles a 404,
 * but Chromium logs any 404 response as an error.
 */
export async function openPage(browser: Browser, url: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  context.setDefaultTimeout(LONG_WAIT_MS); // Playwright's 30 s is too short on a busy machine (pages follow training)
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (msg.text().startsWith('Failed to load resource') && msg.location().url.includes('/mistral/')) return;
    errors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  await page.goto(url);
  return { page, errors };
}

/** The number of steps a chart draws (its `data-points`). */
export async function chartPoints(page: Page, title: string): Promise<number> {
  const value = await page.locator('figure.chart', { hasText: title }).locator('.chart-plot').getAttribute('data-points');
  return Number(value);
}

export interface DashboardFixture {
  server: TestServer;
  browser: Browser;
}

/** A server and a browser for the test file, started before its tests and closed after. */
export function dashboardFixture(): DashboardFixture {
  const fixture = {} as DashboardFixture;
  before(async () => {
    ensureDashboardBuilt();
    [fixture.server, fixture.browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.server?.close();
  });
  return fixture;
}
