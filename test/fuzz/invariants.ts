import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { RawResponse } from '../edge/raw-http.ts';
import { waitUntil } from '../helpers/wait.ts';
import type { FuzzCase } from './fuzz-case.ts';
import { dialectOf } from './routes.ts';

// What must hold for every answer, whatever was asked.

/**
 * The only 5xx a fuzzed request may get: 503 from the inference routes while
 * the inference worker (a Python process) starts or restarts after a crash.
 * Both are documented, carry `retry-after`, and the SDKs retry them; every
 * other 5xx is a bug.
 */
const ALLOWED_5XX: Array<{ path: RegExp; status: number; codes: string[] }> = [
  { path: /\/(chat\/completions|classifications)(\?|$)/, status: 503, codes: ['inference_worker_starting', 'inference_worker_crashed'] },
];

const codeOf = (res: RawResponse): unknown => {
  try {
    const body = res.json() as { error?: { code?: unknown }; code?: unknown };
    return body.error?.code ?? body.code;
  } catch {
    return undefined;
  }
};

/** The dialect's error envelope, exactly (what the SDKs parse). */
function assertEnvelope(c: FuzzCase, res: RawResponse) {
  assert.match(String(res.headers['content-type']), /^application\/json/, `an error answer is JSON: ${res.body.slice(0, 300)}`);
  const body = res.json() as Record<string, unknown>;
  if (dialectOf(c.path) === 'openai') {
    assert.deepEqual(Object.keys(body), ['error'], res.body.slice(0, 300));
    const error = body['error'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(error), ['message', 'type', 'param', 'code'], res.body.slice(0, 300));
    assert.equal(typeof error['message'], 'string');
    assert.equal(typeof error['type'], 'string');
    return;
  }
  if (res.status === 422 && 'detail' in body) {
    assert.deepEqual(Object.keys(body), ['detail'], res.body.slice(0, 300));
    const detail = body['detail'] as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(detail) && detail.length > 0, res.body.slice(0, 300));
    for (const d of detail) {
      assert.ok(Array.isArray(d['loc']) && typeof d['msg'] === 'string' && typeof d['type'] === 'string', res.body.slice(0, 300));
    }
    return;
  }
  assert.deepEqual(Object.keys(body), ['object', 'message', 'type', 'param', 'code'], res.body.slice(0, 300));
  assert.equal(body['object'], 'error');
  assert.equal(typeof body['message'], 'string');
}

/** Keys of the fuzzed project (member and reader), and the records no such key may reach: another organization's, the default project's. */
const PROJECT_KEYS = ['Bearer {{key}}', 'Bearer {{readerKey}}'];
const FOREIGN_RECORD = /\{\{(otherFile|otherJob|adminFile)\}\}/;

/** Never a 5xx (but the documented 503s), every error in the dialect's envelope, no other project's record reached. */
export function assertAnswer(c: FuzzCase, res: RawResponse) {
  const path = c.path.replace(/\?.*$/, '');
  if (res.status < 300 && PROJECT_KEYS.includes(c.headers['authorization'] ?? '') && FOREIGN_RECORD.test(path)) {
    assert.fail(`a project key reached another project's record: ${res.status} for ${c.method} ${c.path}: ${res.body.slice(0, 300)}`);
  }
  if (res.status >= 500) {
    const allowed = ALLOWED_5XX.some((a) => a.path.test(c.path) && a.status === res.status && a.codes.includes(String(codeOf(res))));
    assert.ok(allowed, `${res.status} for ${c.method} ${c.path}: ${res.body.slice(0, 500)}`);
  }
  if (res.status >= 400) assertEnvelope(c, res);
}

/** What a rejected request could leave behind: staged upload parts, file rows, file blobs. */
export interface Leftovers {
  staging: string[];
  fileRows: number;
  blobs: number;
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

export async function leftovers(dataDir: string): Promise<Leftovers> {
  const db = new Sqlite(join(dataDir, 'selftune.db'), { readonly: true });
  try {
    const { n } = db.prepare('SELECT count(*) AS n FROM files').get() as { n: number };
    return { staging: await filesBelow(join(dataDir, 'tmp')), fileRows: n, blobs: (await filesBelow(join(dataDir, 'files'))).length };
  } finally {
    db.close();
  }
}

/** Waits (a busy machine may finish a cleanup late) until nothing is staged and files are back to `baseline`. */
export async function assertNothingLeft(dataDir: string, baseline: Leftovers, what: string) {
  let now: Leftovers | undefined;
  await waitUntil(async () => {
    now = await leftovers(dataDir);
    return now.staging.length === 0 && now.fileRows === baseline.fileRows && now.blobs === baseline.blobs;
  }, { timeoutMs: 30_000, intervalMs: 100, what: () => `nothing left behind by ${what} (now ${JSON.stringify(now)}, before ${JSON.stringify(baseline)})` });
}
