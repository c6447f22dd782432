import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FileRow } from '../../src/db/schema.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { newUuid } from '../../src/ids/ids.ts';
import { buildLimits } from '../../src/limits/limits.ts';
import { loadConfig } from '../../src/config/config.ts';
import { DEFAULT_PROJECT_ID } from '../../src/tenancy/tenancy.repository.ts';
import type { Principal } from '../../src/tenancy/principal.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/backends.ts';

// The limiters and quotas on each real engine, with a clock the test moves.

const caller = (keyId: string | null): Principal => ({ orgId: 'org-default', projectId: DEFAULT_PROJECT_ID, role: 'member', keyId, keyFingerprint: null, deploymentAdmin: false });

function fileRow(bytes: number): FileRow {
  const id = newUuid();
  return {
    id, org_id: 'org-default', project_id: DEFAULT_PROJECT_ID, filename: 'f.jsonl', purpose: 'fine-tune', bytes, created_at: 1, expires_at: null, status: 'processed',
    status_details: null, blob_key: id, num_lines: 1, sample_type: 'instruct', source: 'upload', mimetype: null, sha256: '', visibility: null, job_id: null,
  };
}

for (const backend of BACKENDS) {
  describe(backend, () => {
    const stores: TestStore[] = [];
    after(() => Promise.all(stores.map((s) => s.drop())));

    const setUp = async (settings: Record<string, number>) => {
      const s = await openTestStore(backend);
      stores.push(s);
      const clock = { now: 1_700_000_000_000, nowMs() { return this.now; } };
      return { db: s.store.db, clock, limits: buildLimits(s.store.db, loadConfig({ dataDir: '/unused', ...settings }, {}), clock) };
    };

    test('requests: a bucket of the limit, refilled one unit per 60/limit seconds, with an exact retry-after', async () => {
      const { clock, limits } = await setUp({ keyRequestsPerMinute: 3 });
      const key = caller('key_a');
      const states = [];
      for (let i = 0; i < 4; i++) states.push(await limits.rates.takeRequest(key));
      assert.deepEqual(states.map((s) => [s!.remaining, s!.retryAfterMs]), [[2, null], [1, null], [0, null], [0, 20_000]]);
      assert.equal(states[3]!.resetMs, 60_000);
      assert.equal((await limits.rates.takeRequest(caller('key_b')))!.retryAfterMs, null, 'each key has its own bucket');
      assert.equal(await limits.rates.takeRequest(caller(null)), null, 'a caller without a key is not limited');
      clock.now += 19_999;
      assert.notEqual((await limits.rates.takeRequest(key))!.retryAfterMs, null);
      clock.now += 1;
      assert.equal((await limits.rates.takeRequest(key))!.retryAfterMs, null, 'let through once the unit it waited for is back');
    });

    test('concurrent requests of one key never get past the limit', async () => {
      const { limits } = await setUp({ keyRequestsPerMinute: 5 });
      const states = await Promise.all(Array.from({ length: 20 }, () => limits.rates.takeRequest(caller('key_c'))));
      assert.equal(states.filter((s) => s!.retryAfterMs === null).length, 5);
    });

    test('tokens: refused before generating only when none are left; what was used is charged, even past the limit', async () => {
      const { clock, limits } = await setUp({ keyTokensPerMinute: 100 });
      const key = caller('key_t');
      assert.equal((await limits.rates.checkTokens(key))!.remaining, 100, 'a check takes nothing');
      await limits.rates.chargeTokens(key, 150);
      const over = (await limits.rates.checkTokens(key))!;
      assert.equal(over.remaining, 0);
      assert.equal(over.retryAfterMs, 30_600, '50 tokens of debt and one token to have: 51 × 0.6 s');
      clock.now += 30_600;
      assert.equal((await limits.rates.checkTokens(key))!.retryAfterMs, null);
    });

    test('storage: concurrent uploads of one project never pass its quota together', async () => {
      const { db, limits } = await setUp({ projectStorageBytes: 1000 });
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => {
        const row = fileRow(300);
        return limits.quotas.admitFile(DEFAULT_PROJECT_ID, row.bytes, (trx) => trx.insertInto('files').values(row).execute().then(() => {}));
      }));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 3);
      for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as AppError).code, 'storage_quota_exceeded');
      assert.equal((await limits.quotas.usage(DEFAULT_PROJECT_ID)).storageBytes, 900);
      assert.equal((await db.selectFrom('files').selectAll().execute()).length, 3);
      const refused = await limits.quotas.checkDeclaredUpload(DEFAULT_PROJECT_ID, 101).catch((e: unknown) => e);
      assert.ok(refused instanceof AppError);
      assert.match(refused.message, /\(101 bytes\) would take project proj_default past its storage quota \(max_storage_bytes\): 900 bytes of 1,000 bytes are in use/);
    });
  });
}
