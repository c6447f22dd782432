// Dashboard figures: bundle size, first load on an empty server, and the job
// list's render time with 5,000 jobs in the database (inserted straight into
// SQLite, each with 50 metrics events), in Debian's headless Chromium.
//
//   node scripts/build-web.mjs && node --import tsx bench/dashboard.ts [runs]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { dataPaths } from '../src/config/paths.ts';
import type { NewJobRow } from '../src/db/schema.ts';
import { newUuid } from '../src/ids/ids.ts';
import { launchBrowser } from '../test/dashboard/browser.ts';
import { startServer } from '../test/helpers/server.ts';
import { dashboardDist } from '../src/server/dashboard.ts';

const RUNS = Number(process.argv[2] ?? 5);
const JOBS = 5000;
const EVENTS_PER_JOB = 50;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function bundleSizes() {
  const assets = join(dashboardDist, 'assets');
  const files = ['index.html', ...readdirSync(assets).filter((n) => /\.(js|css)$/.test(n)).map((n) => `assets/${n}`)];
  const size = (p: string) => statSync(join(dashboardDist, p)).size;
  return Object.fromEntries(files.map((f) => [f.replace(/-[A-Z0-9]{8}\./, '.'), { raw: size(f), gzip: size(`${f}.gz`), brotli: size(`${f}.br`) }]));
}

/** 5,000 finished jobs over the last months, newest first in the list, each with a loss history. */
function insertJobs(dataDir: string) {
  const db = new Sqlite(dataPaths(dataDir).database);
  db.pragma('busy_timeout = 5000');
  const job = db.prepare(`INSERT INTO jobs (id, org_id, created_via, created_by, job_type, status, model, training_files, validation_files, method_type, hyperparameters,
    resolved_hyperparameters, suffix, seed, metadata, integrations, auto_start, options, fine_tuned_model, result_files, trained_tokens, error, stats, total_steps,
    current_step, estimated_finish, control, locked_by, lease_expires_at, recoveries, created_at, modified_at, queued_at, started_at, finished_at)
    VALUES (@id, @org_id, @created_via, @created_by, @job_type, @status, @model, @training_files, @validation_files, @method_type, @hyperparameters,
    @resolved_hyperparameters, @suffix, @seed, @metadata, @integrations, @auto_start, @options, @fine_tuned_model, @result_files, @trained_tokens, @error, @stats, @total_steps,
    @current_step, @estimated_finish, @control, @locked_by, @lease_expires_at, @recoveries, @created_at, @modified_at, @queued_at, @started_at, @finished_at)`);
  const event = db.prepare(`INSERT INTO job_events (id, job_id, created_at, level, type, message, data, status) VALUES (?, ?, ?, 'info', 'metrics', ?, ?, NULL)`);
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < JOBS; i++) {
      const created = now - (JOBS - i) * 60_000;
      const status = i % 50 === 0 ? 'failed' : i % 20 === 0 ? 'cancelled' : 'succeeded';
      const row: NewJobRow = {
        id: newUuid(), org_id: 'org-default', created_via: 'openai', created_by: null, job_type: 'completion', status, model: 'selftune-tiny',
        training_files: JSON.stringify([{ file_id: newUuid(), weight: 1 }]), validation_files: '[]', method_type: 'supervised',
        hyperparameters: JSON.stringify({ n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' }),
        resolved_hyperparameters: JSON.stringify({ n_epochs: 3, batch_size: 1, learning_rate_multiplier: 1, learning_rate: 2e-4, training_steps: null, warmup_fraction: 0, weight_decay: 0, seq_len: 2048, training_mode: 'full' }),
        suffix: null, seed: i, metadata: null, integrations: '[]', auto_start: 1, options: '{}', fine_tuned_model: status === 'succeeded' ? `ft:selftune-tiny:default::bench${i}` : null,
        result_files: '[]', trained_tokens: 1000, error: status === 'failed' ? JSON.stringify({ code: 'bench', message: 'bench', param: null }) : null, stats: '{}',
        total_steps: EVENTS_PER_JOB, current_step: EVENTS_PER_JOB, estimated_finish: null, control: null, locked_by: null, lease_expires_at: null, recoveries: 0,
        created_at: created, modified_at: created + 30_000, queued_at: created, started_at: created + 1000, finished_at: created + 30_000,
      };
      job.run(row);
      for (let step = 1; step <= EVENTS_PER_JOB; step++) {
        const data = { step, total_steps: EVENTS_PER_JOB, train_loss: 3 / step, train_mean_token_accuracy: step / EVENTS_PER_JOB };
        event.run(newUuid(), row.id, created + step * 500, `Step ${step}/${EVENTS_PER_JOB}`, JSON.stringify(data));
      }
    }
  })();
  db.close();
}

/**
 * Milliseconds, on the page's own clock (from navigation start), until the job
 * table shows `rows` rows with their progress (or "No jobs"), in a cold browser context.
 */
async function timeListRender(browser: Browser, url: string, rows: number): Promise<number> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  const handle = await page.waitForFunction(
    (n) => {
      const done = n === 0 ? document.querySelector('.empty') !== null : document.querySelectorAll('table.jobs tbody .progress-text').length >= n;
      return done ? performance.now() : false;
    },
    rows,
    { polling: 'raf' },
  );
  const ms = (await handle.jsonValue()) as number;
  await context.close();
  return ms;
}

async function timeApi(url: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await (await fetch(url)).json();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const browser = await launchBrowser();
const server = await startServer();
try {
  const emptyLoads: number[] = [];
  for (let i = 0; i < RUNS; i++) emptyLoads.push(await timeListRender(browser, server.url, 0));

  const t0 = performance.now();
  insertJobs(server.dataDir);
  const insertSeconds = (performance.now() - t0) / 1000;

  const fullLoads: number[] = [];
  for (let i = 0; i < RUNS; i++) fullLoads.push(await timeListRender(browser, server.url, 25));
  const olderPage = await timeListRender(browser, `${server.url}/?after=${(await (await fetch(`${server.url}/v1/fine_tuning/jobs?limit=100`)).json() as { data: { id: string }[] }).data.at(-1)!.id}`, 25);
  const failedFilter: number[] = [];
  for (let i = 0; i < RUNS; i++) failedFilter.push(await timeListRender(browser, `${server.url}/?status=failed`, 25));

  console.log(JSON.stringify({
    bundle: bundleSizes(),
    first_load_empty_ms: Math.round(median(emptyLoads)),
    jobs_in_db: JOBS,
    metrics_events_in_db: JOBS * EVENTS_PER_JOB,
    insert_seconds: Number(insertSeconds.toFixed(1)),
    job_list_render_ms: Math.round(median(fullLoads)),
    job_list_render_after_100_ms: Math.round(olderPage),
    job_list_render_status_failed_ms: Math.round(median(failedFilter)),
    api_jobs_page_ms: Number((await timeApi(`${server.url}/v1/fine_tuning/jobs?limit=25`, 20)).toFixed(1)),
    api_jobs_page_status_failed_ms: Number((await timeApi(`${server.url}/v1/fine_tuning/jobs?limit=25&status=failed`, 20)).toFixed(1)),
    runs: RUNS,
  }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
