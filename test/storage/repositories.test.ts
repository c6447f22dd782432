import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/secrets/secret-box.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CheckpointsRepository } from '../../src/checkpoints/checkpoints.repository.ts';
import { EventsRepository } from '../../src/events/events.repository.ts';
import { newUuid } from '../../src/ids/ids.ts';
import { JobsRepository } from '../../src/jobs/jobs.repository.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/backends.ts';
import { DEFAULT_TENANT } from '../helpers/tenants.ts';

// Cursor pagination and filters behave the same on every backend.

for (const backend of BACKENDS) {
  describe(`repositories on ${backend}`, () => {
    let t: TestStore;
    const jobIds: string[] = []; // oldest first
    before(async () => {
      t = await openTestStore(backend);
      const base = { org_id: 'org-default', created_via: 'openai', created_by: null, job_type: 'completion', status: 'queued', model: 'm',
        training_files: '[]', validation_files: '[]', method_type: 'supervised', hyperparameters: '{}', resolved_hyperparameters: null,
        suffix: null, seed: 1, integrations: '[]', auto_start: 1, options: '{}', fine_tuned_model: null, result_files: '[]',
        trained_tokens: null, error: null, stats: '{}', total_steps: null, current_step: 0, estimated_finish: null, control: null,
        locked_by: null, lease_expires_at: null, recoveries: 0, queued_at: null, started_at: null, finished_at: null };
      for (let i = 0; i < 7; i++) {
        const id = newUuid();
        jobIds.push(id);
        // Two jobs share a creation time: the id breaks the tie, so no page repeats or skips one.
        const at = 1000 + Math.min(i, 5);
        await t.store.db.insertInto('jobs').values({ ...base, id, created_at: at, modified_at: at, metadata: i % 2 ? JSON.stringify({ team: 'a' }) : null }).execute();
      }
    });
    after(() => t.drop());

    test('jobs page newest first through every cursor without gaps or repeats', async () => {
      const repo = new JobsRepository(t.store.db, new SecretBox(randomBytes(32)));
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await repo.page({ tenant: DEFAULT_TENANT, limit: 2, after });
        seen.push(...page.slice(0, 2).map((j) => j.id));
        if (page.length <= 2) break;
        after = page[1]!.id;
      }
      assert.equal(seen.length, 7);
      assert.equal(new Set(seen).size, 7);
      assert.equal(seen.at(-1), jobIds[0]);
      const withMeta = await repo.page({ tenant: DEFAULT_TENANT, limit: 10, metadata: { team: 'a' } });
      assert.equal(withMeta.length, 3);
      const without = await repo.page({ tenant: DEFAULT_TENANT, limit: 10, metadata: null });
      assert.equal(without.length, 4);
      assert.deepEqual(await repo.page({ tenant: DEFAULT_TENANT, limit: 10, after: newUuid() }), []);
    });

    test('events page newest first by insertion order', async () => {
      const events = new EventsRepository(t.store.db);
      for (let i = 0; i < 5; i++) await events.add({ jobId: jobIds[0]!, message: `e${i}`, data: { i } }, 5000);
      const first = await events.page(jobIds[0]!, 2);
      assert.deepEqual(first.slice(0, 2).map((e) => e.message), ['e4', 'e3']);
      const next = await events.page(jobIds[0]!, 2, first[1]!.id);
      assert.deepEqual(next.slice(0, 2).map((e) => e.message), ['e2', 'e1']);
      assert.deepEqual((await events.all(jobIds[0]!)).map((e) => JSON.parse(e.data!).i), [0, 1, 2, 3, 4]);
    });

    test('a checkpoint saved again for the same step replaces the first', async () => {
      const checkpoints = new CheckpointsRepository(t.store.db);
      const row = { job_id: jobIds[1]!, step: 10, created_at: 1, path: 'a', metrics: '{}', model_id: 'ft:x' };
      await checkpoints.upsert({ ...row, id: newUuid() });
      await checkpoints.upsert({ ...row, id: newUuid(), path: 'b', created_at: 2 });
      const all = await checkpoints.all(jobIds[1]!);
      assert.equal(all.length, 1);
      assert.equal(all[0]!.path, 'b');
    });
  });
}
