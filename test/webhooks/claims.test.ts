import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openPostgres, type Store } from '../../src/db/backend.ts';
import { DeliveriesRepository } from '../../src/webhooks/deliveries.repository.ts';
import { BACKENDS, openTestStore } from '../helpers/backends.ts';

// Two senders on one database (replicas on one Postgres; on SQLite, two loops
// of one server) claiming at once never take the same delivery; a claim whose
// lease ran out is taken again; a delivery is claimed only once due.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.splice(0).reverse().map((c) => c())));

const N = 60;
const NOW = 1_000_000;

async function withOutbox(store: Store) {
  const repo = new DeliveriesRepository(store);
  const endpoints = Array.from({ length: N }, (_, i) => `whe_${i}`);
  await repo.insertEvent(store.db, { id: 'evt_1', orgId: 'org', projectId: 'proj', type: 'fine_tuning.job.succeeded', subjectId: 'job', body: '{}', createdAt: NOW }, endpoints);
  return repo;
}

for (const backend of BACKENDS) {
  test(`concurrent claims are disjoint, leases expire, and only due deliveries are claimed (${backend})`, async () => {
    const { store, url, drop } = await openTestStore(backend);
    cleanups.push(drop);
    // A second connection pool, as a second replica has (SQLite: the same store).
    const second = url ? openPostgres(url) : store;
    if (url) cleanups.push(() => second.close());
    const [a, b] = [await withOutbox(store), new DeliveriesRepository(second)];

    assert.deepEqual(await a.claimDue('early', 30_000, NOW - 1, N), [], 'nothing is due before its time');
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).claimDue(`sender-${i}`, 30_000, NOW, 7)));
    const ids = claims.flat().map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length, 'no delivery claimed twice');
    assert.ok(ids.length > 0 && ids.length <= N, `claimed ${ids.length} of ${N}`);
    const rest = await a.claimDue('late', 30_000, NOW, N);
    assert.equal(ids.length + rest.length, N, 'every delivery claimed once');
    assert.deepEqual(await b.claimDue('again', 30_000, NOW + 1_000, N), [], 'all are held');
    const retaken = await b.claimDue('after-lease', 30_000, NOW + 30_001, N);
    assert.equal(retaken.length, N, 'an expired lease frees the delivery');
  });
}
