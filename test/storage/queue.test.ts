import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NewJobRow } from '../../src/db/schema.ts';
import { newUuid } from '../../src/ids/ids.ts';
import { JobLease, type LeaseState } from '../../src/queue/job-lease.ts';
import { claimNext, findAbandoned, releaseLease, renewLease, takeAbandoned } from '../../src/queue/leases.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/backends.ts';

// The queue's guarantees on every backend: FIFO claims, no double claims under
// concurrency, leases that only their owner renews, and orphan detection.

function jobRow(queuedAt: number, status = 'queued'): NewJobRow {
  const id = newUuid();
  return {
    id, org_id: 'org-default', created_via: 'openai', created_by: null, job_type: 'completion', status, model: 'm',
    training_files: '[]', validation_files: '[]', method_type: 'supervised', hyperparameters: '{}', resolved_hyperparameters: null,
    suffix: null, seed: 1, metadata: null, integrations: '[]', auto_start: 1, options: '{}', fine_tuned_model: null, result_files: '[]',
    trained_tokens: null, error: null, stats: '{}', total_steps: null, current_step: 0, estimated_finish: null, control: null,
    locked_by: null, lease_expires_at: null, recoveries: 0, created_at: queuedAt, modified_at: queuedAt, queued_at: queuedAt,
    started_at: null, finished_at: null,
  };
}

for (const backend of BACKENDS) {
  describe(`queue on ${backend}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
    });
    after(() => t.drop());

    test('claims the oldest queued job first and never a claimed one', async () => {
      const rows = [jobRow(3000), jobRow(1000), jobRow(2000), jobRow(500, 'running')];
      await t.store.db.insertInto('jobs').values(rows).execute();
      const first = await claimNext(t.store, 'queued', 'a', 10_000, 5000);
      const second = await claimNext(t.store, 'queued', 'b', 10_000, 5000);
      assert.deepEqual([first?.id, second?.id], [rows[1]!.id, rows[2]!.id]);
      assert.equal(first?.locked_by, 'a');
      assert.equal(first?.lease_expires_at, 15_000);
      await t.store.db.deleteFrom('jobs').execute();
    });

    test('concurrent claimers never take the same job', async () => {
      const rows = Array.from({ length: 6 }, (_, i) => jobRow(i));
      await t.store.db.insertInto('jobs').values(rows).execute();
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claimNext(t.store, 'queued', `w${i}`, 10_000, 100)));
      const got = claims.filter((c) => c !== undefined).map((c) => c!.id);
      assert.equal(got.length, 6);
      assert.equal(new Set(got).size, 6);
      await t.store.db.deleteFrom('jobs').execute();
    });

    test('only the owner renews a lease; expired or foreign leases are found as abandoned', async () => {
      const row = jobRow(1);
      await t.store.db.insertInto('jobs').values({ ...row, status: 'running', locked_by: 'a', lease_expires_at: 1000 }).execute();
      assert.equal(await renewLease(t.store.db, row.id, 'b', 5000, 900), undefined);
      assert.deepEqual(await renewLease(t.store.db, row.id, 'a', 5000, 900), { status: 'running', control: null });
      assert.deepEqual(await findAbandoned(t.store.db, ['running'], 2000, null), [], 'lease now runs to 5900');
      assert.equal((await findAbandoned(t.store.db, ['running'], 6000, null)).length, 1, 'expired');
      assert.equal((await findAbandoned(t.store.db, ['running'], 2000, 'me')).length, 1, 'held by an owner that is not the live one');
      await releaseLease(t.store.db, row.id, 'a');
      const released = await t.store.db.selectFrom('jobs').select(['locked_by', 'lease_expires_at']).where('id', '=', row.id).executeTakeFirstOrThrow();
      assert.deepEqual(released, { locked_by: null, lease_expires_at: null });
      await t.store.db.deleteFrom('jobs').execute();
    });

    test('of several schedulers recovering one abandoned job, exactly one takes it, and never once it was started again', async () => {
      const row = { ...jobRow(1), status: 'running', locked_by: 'dead', lease_expires_at: 1000 };
      await t.store.db.insertInto('jobs').values(row).execute();
      const [seen] = await findAbandoned(t.store.db, ['running'], 2000, null);
      const takes = await Promise.all(['x', 'y', 'z'].map((owner) => takeAbandoned(t.store.db, seen!, owner, 5000, 2000)));
      assert.deepEqual(takes.filter(Boolean).length, 1);
      // The winner requeued it and another scheduler runs it again: a recoverer still holding the old read takes nothing.
      await t.store.db.updateTable('jobs').set({ locked_by: 'w', lease_expires_at: 9000 }).where('id', '=', row.id).execute();
      assert.equal(await takeAbandoned(t.store.db, seen!, 'late', 5000, 2000), false);
      await t.store.db.deleteFrom('jobs').execute();
    });

    test('a JobLease renews on its heartbeat, hands each renewal\'s control request on, notices a takeover and releases', async () => {
      const row = jobRow(1);
      await t.store.db.insertInto('jobs').values({ ...row, status: 'running', locked_by: 'a', lease_expires_at: 1000 }).execute();
      let now = 2000;
      const logged: string[] = [];
      const log = { info: () => {}, warn: (_f: object, m: string) => logged.push(m), error: (_f: object, m: string) => logged.push(m) };
      const lease = new JobLease(t.store.db, row.id, { nowMs: () => now }, log, { owner: 'a', leaseMs: 5000, heartbeatMs: 20 });
      const seen: LeaseState[] = [];
      lease.keep((s) => seen.push(s));
      const waitFor = async (cond: () => boolean) => {
        for (let i = 0; i < 3000 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
        assert.ok(cond());
      };
      await waitFor(() => seen.length > 0);
      assert.deepEqual(seen[0], { lost: false, status: 'running', control: null });
      const lease1 = await t.store.db.selectFrom('jobs').select('lease_expires_at').where('id', '=', row.id).executeTakeFirstOrThrow();
      assert.equal(lease1.lease_expires_at, 7000, 'renewed to now + leaseMs');
      await t.store.db.updateTable('jobs').set({ control: 'pause' }).where('id', '=', row.id).execute();
      await waitFor(() => seen.some((s) => !s.lost && s.control === 'pause'));
      now = 3000;
      await t.store.db.updateTable('jobs').set({ locked_by: 'b' }).where('id', '=', row.id).execute();
      await waitFor(() => seen.at(-1)?.lost === true);
      await lease.release();
      const held = await t.store.db.selectFrom('jobs').select('locked_by').where('id', '=', row.id).executeTakeFirstOrThrow();
      assert.equal(held.locked_by, 'b', 'releasing never frees a lease another owner holds');
      const count = seen.length;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(seen.length, count, 'no renewal after release');
      assert.deepEqual(logged, []);
      await t.store.db.deleteFrom('jobs').execute();
    });
  });
}
