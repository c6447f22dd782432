import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FileRow, ModelRow } from '../../src/db/schema.ts';
import { FileSearch } from '../../src/files/file-search.ts';
import { FilesRepository } from '../../src/files/files.repository.ts';
import { newUuid } from '../../src/ids/ids.ts';
import { JobSearch } from '../../src/jobs/job-search.ts';
import { SecretBox } from '../../src/secrets/secret-box.ts';
import { JobsRepository } from '../../src/jobs/jobs.repository.ts';
import { ModelsRepository } from '../../src/models/models.repository.ts';
import type { Tenant } from '../../src/tenancy/principal.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/backends.ts';

// The list half of the tenancy matrix on every backend: each list and lookup
// of files, jobs and models reads its project only; a model shared with the
// organization is seen by its other projects and by no other organization.

const A1: Tenant = { orgId: 'org-a', projectId: 'proj_a1' };
const A2: Tenant = { orgId: 'org-a', projectId: 'proj_a2' };
const B: Tenant = { orgId: 'org-b', projectId: 'proj_b' };
const TENANTS = [A1, A2, B];

const fileOf = (tenant: Tenant, i: number): FileRow => ({
  id: newUuid(), org_id: tenant.orgId, project_id: tenant.projectId, filename: `train-${i}.jsonl`, purpose: 'fine-tune', bytes: 1, created_at: i,
  expires_at: null, status: 'processed', status_details: null, blob_key: 'k', num_lines: 1, sample_type: 'instruct', source: 'upload',
  mimetype: null, sha256: 'same', visibility: null, job_id: null,
});

const modelOf = (tenant: Tenant, id: string, shared: boolean): ModelRow => ({
  id, org_id: tenant.orgId, project_id: tenant.projectId, job_id: 'j', checkpoint_id: null, base_model: 'selftune-tiny', model_type: 'completion',
  training_mode: 'full', path: 'p', created_at: 1, name: null, description: null, archived: 0, shared_with_org: shared ? 1 : 0,
});

for (const backend of BACKENDS) {
  describe(`tenancy lists on ${backend}`, () => {
    let t: TestStore;
    const files = new Map<string, string[]>();
    const jobs = new Map<string, string[]>();
    before(async () => {
      t = await openTestStore(backend);
      const jobBase = { created_via: 'openai', created_by: 'me', job_type: 'completion', status: 'queued', model: 'm', training_files: '[]', validation_files: '[]',
        method_type: 'supervised', hyperparameters: '{}', resolved_hyperparameters: null, suffix: 'same', seed: 1, metadata: null, integrations: '[]', auto_start: 1,
        options: '{}', fine_tuned_model: null, result_files: '[]', trained_tokens: null, error: null, stats: '{}', total_steps: null, current_step: 0,
        estimated_finish: null, control: null, locked_by: null, lease_expires_at: null, recoveries: 0, queued_at: null, started_at: null, finished_at: null };
      for (const [i, tenant] of TENANTS.entries()) {
        const rows = [fileOf(tenant, i), fileOf(tenant, i + 10)];
        await t.store.db.insertInto('files').values(rows).execute();
        files.set(tenant.projectId, rows.map((r) => r.id));
        const ids = [newUuid(), newUuid()];
        await t.store.db.insertInto('jobs').values(ids.map((id, k) => ({ ...jobBase, id, org_id: tenant.orgId, project_id: tenant.projectId, created_at: i * 10 + k, modified_at: 0 }))).execute();
        jobs.set(tenant.projectId, ids);
      }
      const models = new ModelsRepository(t.store.db);
      await models.insert(modelOf(A1, 'ft:a1-private', false));
      await models.insert(modelOf(A1, 'ft:a1-shared', true));
      await models.insert(modelOf(B, 'ft:b-shared', true));
    });
    after(() => t.drop());

    test('files: lookups, pages and searches read the project only', async () => {
      const repo = new FilesRepository(t.store.db);
      const search = new FileSearch(t.store.db);
      for (const tenant of TENANTS) {
        const own = files.get(tenant.projectId)!;
        assert.deepEqual((await repo.page({ tenant, limit: 100, order: 'asc' })).map((f) => f.id), own);
        assert.deepEqual((await search.search({ tenant, page: 0, pageSize: 100, search: 'train' })).files.map((f) => f.id).sort(), [...own].sort());
        assert.equal((await search.search({ tenant, page: 0, pageSize: 100 })).total, 2);
        for (const other of TENANTS.filter((o) => o !== tenant)) {
          const theirs = files.get(other.projectId)!;
          assert.equal(await repo.find(tenant, theirs[0]!), undefined);
          assert.deepEqual(await repo.page({ tenant, limit: 100, order: 'asc', after: theirs[0]! }), [], "another project's cursor is past the end");
          assert.equal(await repo.delete(tenant, theirs[0]!), false);
        }
        const identical = await repo.findIdentical(tenant, `train-${TENANTS.indexOf(tenant)}.jsonl`, 'same', 'fine-tune');
        assert.equal(identical?.project_id, tenant.projectId);
      }
    });

    test('jobs: lookups, pages and searches read the project only', async () => {
      const repo = new JobsRepository(t.store.db, new SecretBox(randomBytes(32)));
      const search = new JobSearch(t.store.db);
      for (const tenant of TENANTS) {
        const own = [...jobs.get(tenant.projectId)!].reverse(); // newest first
        assert.deepEqual((await repo.page({ tenant, limit: 100 })).map((j) => j.id), own);
        const found = await search.search({ tenant, page: 0, pageSize: 100, createdBy: 'me', suffix: 'same' });
        assert.deepEqual([found.jobs.map((j) => j.id), found.total], [own, 2]);
        assert.equal((await repo.find(tenant, own[0]!))?.projectId, tenant.projectId);
        for (const other of TENANTS.filter((o) => o !== tenant)) {
          const theirs = jobs.get(other.projectId)!;
          assert.equal(await repo.find(tenant, theirs[0]!), undefined);
          assert.deepEqual(await repo.page({ tenant, limit: 100, after: theirs[1]! }), []);
        }
      }
    });

    test('models: a project sees its own and those its organization shares; changes reach its own only', async () => {
      const repo = new ModelsRepository(t.store.db);
      const listed = async (tenant: Tenant) => (await repo.list(tenant)).map((m) => m.id).sort();
      assert.deepEqual(await listed(A1), ['ft:a1-private', 'ft:a1-shared']);
      assert.deepEqual(await listed(A2), ['ft:a1-shared']);
      assert.deepEqual(await listed(B), ['ft:b-shared']);
      assert.equal((await repo.find(A2, 'ft:a1-shared'))?.project_id, A1.projectId);
      assert.equal(await repo.find(A2, 'ft:a1-private'), undefined);
      assert.equal(await repo.find(B, 'ft:a1-shared'), undefined);
      assert.equal(await repo.update(A2, 'ft:a1-shared', { name: 'taken' }), undefined);
      assert.equal(await repo.delete(A2, 'ft:a1-shared'), false);
      assert.equal(await repo.delete(B, 'ft:a1-private'), false);
      assert.equal((await repo.find(A1, 'ft:a1-shared'))?.name, null);
      assert.equal(await repo.exists('ft:a1-private'), true);
    });
  });
}
