import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { RawResponse } from '../edge/raw-http.ts';
import { casesFor } from './arbitraries.ts';
import { type FuzzCase, loadCorpus, saveToCorpus, send } from './fuzz-case.ts';
import { type FuzzTarget, startFuzzTarget } from './fuzz-server.ts';
import { assertAnswer, assertNothingLeft, type Leftovers, leftovers } from './invariants.ts';
import { apiRoutes } from './routes.ts';

// Property-based fuzzing of every route of both dialects against one real
// server: never a 5xx, always the dialect's error envelope, nothing left on
// disk, the server up afterwards. The corpus (inputs that once broke
// something) is replayed first. SELFTUNE_FUZZ_RUNS (cases per route) and
// SELFTUNE_FUZZ_SEED (from a failure's report) make a run longer or repeat
// one, SELFTUNE_FUZZ_ROUTES picks routes; SELFTUNE_FUZZ_TRACE names a file that gets one line per answer (which
// statuses and errors the fuzzer reaches).

const RUNS = Number(process.env['SELFTUNE_FUZZ_RUNS'] ?? 50);
const SEED = process.env['SELFTUNE_FUZZ_SEED'] ? Number(process.env['SELFTUNE_FUZZ_SEED']) : undefined;
const TRACE = process.env['SELFTUNE_FUZZ_TRACE'];
/** A regular expression on `METHOD /path` to fuzz some routes only. */
const ONLY = new RegExp(process.env['SELFTUNE_FUZZ_ROUTES'] ?? '');

let target: FuzzTarget;
let baseline: Leftovers;
before(async () => {
  target = await startFuzzTarget();
  baseline = await leftovers(target.t.dataDir);
});
after(() => target?.t.close());

/** A request whose whole body was sent gets an answer long before this, even on a busy machine. */
const NO_ANSWER_MS = 30_000;

function answerWithin<T>(ms: number, answer: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms)));
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

const withoutQuery = (path: string) => path.replace(/\?.*$/, '');

/** Undoes what a case made when it succeeded: its upload is deleted, its job cancelled before it trains. */
async function undo(c: FuzzCase, res: RawResponse) {
  if (c.method !== 'POST' || res.status >= 300) return;
  const id = (JSON.parse(res.body) as { id?: unknown }).id;
  if (typeof id !== 'string') return; // a dry run, or not a record
  const again = { ...c, body: undefined, headers: { ...c.headers, 'content-type': 'application/json' } };
  if (/\/files$/.test(withoutQuery(c.path))) await send(target.t.url, { ...again, method: 'DELETE', path: `${withoutQuery(c.path)}/${id}` }, target.values);
  if (/\/fine_tuning\/jobs$/.test(withoutQuery(c.path))) await send(target.t.url, { ...again, path: `${withoutQuery(c.path)}/${id}/cancel` }, target.values);
}

/** Sends a case, undoes what it made, and checks every invariant. */
async function exercise(c: FuzzCase): Promise<RawResponse> {
  const res = await answerWithin(NO_ANSWER_MS, send(target.t.url, c, target.values), `${c.method} ${c.path}`);
  if (TRACE) await appendFile(TRACE, `${res.status} ${c.method} ${c.path.slice(0, 80)} ${res.body.slice(0, 200).replace(/\s+/g, ' ')}\n`);
  await undo(c, res);
  assertAnswer(c, res);
  // A file delete that succeeded took one seed file, its row and its blob, with it.
  const deletedFile = c.method === 'DELETE' && res.status < 300 && /\/files\/[^/]+$/.test(withoutQuery(c.path));
  if (deletedFile) baseline = { ...baseline, fileRows: baseline.fileRows - 1, blobs: baseline.blobs - 1 };
  await assertNothingLeft(target.t.dataDir, baseline, `${c.method} ${c.path}`);
  return res;
}

async function assertServerUp() {
  const health = await fetch(`${target.t.url}/health`);
  assert.equal(health.status, 200, await health.text());
  assert.ok(Array.isArray((await target.tenant.client.files.list()).data));
}

test('the corpus: every input that once broke something', async (t) => {
  for (const { name, case: c } of await loadCorpus()) {
    await t.test(name, async () => {
      const res = await exercise(c);
      if (c.expect?.status !== undefined) assert.equal(res.status, c.expect.status, res.body);
      if (c.expect?.message !== undefined) assert.match(res.body, new RegExp(c.expect.message), res.body);
    });
  }
  await assertServerUp();
});

test('every route of both dialects, fuzzed', async (t) => {
  const routes = apiRoutes(target.t.server.app);
  assert.ok(routes.length > 20, `found only ${routes.length} routes`);
  for (const route of routes.filter((r) => ONLY.test(`${r.method} ${r.path}`))) {
    await t.test(`${route.method} ${route.path}`, async () => {
      const details = await fc.check(fc.asyncProperty(casesFor(route), async (c) => void (await exercise(c))), { numRuns: RUNS, seed: SEED });
      if (details.failed) {
        const problem = String(details.errorInstance).slice(0, 1000);
        const saved = details.counterexample ? await saveToCorpus(details.counterexample[0], problem) : 'nothing saved';
        assert.fail(`${fc.defaultReportMessage(details)}\n${problem}\nThe input is kept in ${saved}; commit it with the fix.`);
      }
      await assertServerUp();
    });
  }
});

test('afterwards the server answers, and nothing is left behind', async () => {
  await assertServerUp();
  await assertNothingLeft(target.t.dataDir, baseline, 'the whole run');
});
