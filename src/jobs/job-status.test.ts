import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Job } from './job.ts';
import { JOB_STATUS, JOB_TRANSITIONS, type JobStatus } from './job-status.ts';
import { type JobStore, openJobStore } from './job-store.testing.ts';

// Walks the whole transition table on a real SQLite store: every listed move
// goes through JobsService.moveTo and is recorded; every other one is refused
// and leaves the row exactly as it was.

let now = 1_000;
let t: JobStore;

before(async () => {
  t = await openJobStore(() => now++);
});
after(() => t.close());

const jobIn = (status: JobStatus): Promise<Job> => t.insertJob({ status });
const rowOf = (id: string) => t.store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const STATUSES = Object.values(JOB_STATUS);

for (const from of STATUSES) {
  for (const to of STATUSES) {
    const allowed = JOB_TRANSITIONS[from].includes(to);
    test(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, async () => {
      const job = await jobIn(from);
      const before = await rowOf(job.id);
      const eventsBefore = (await t.events.all(job.id)).length;
      if (allowed) {
        const moved = await t.service.moveTo(job, to, { currentStep: 7 }, `moved to ${to}`);
        assert.equal(moved.status, to);
        const row = await rowOf(job.id);
        assert.equal(row.status, to);
        assert.equal(row.current_step, 7, 'the changes are written with the status');
        const recorded = (await t.events.all(job.id)).at(-1)!;
        assert.deepEqual([recorded.message, recorded.status], [`moved to ${to}`, to]);
      } else if (from === to) {
        // Already there (a racing writer made the same move): answered with the job as it is, nothing written.
        assert.equal((await t.service.moveTo(job, to, { currentStep: 7 }, 'must not happen')).status, to);
        await assert.rejects(t.service.moveTo(job, to, { currentStep: 7 }, 'must not happen', { from: [from] }), /Illegal job status change/);
        assert.deepEqual(await rowOf(job.id), before, 'the row is untouched');
        assert.equal((await t.events.all(job.id)).length, eventsBefore, 'no event recorded');
      } else {
        await assert.rejects(t.service.moveTo(job, to, { currentStep: 7 }, 'must not happen'), /cannot be/);
        // Narrowing `from` to the job's own status is refused the same way.
        await assert.rejects(t.service.moveTo(job, to, { currentStep: 7 }, 'must not happen', { from: [from] }), /Illegal job status change/);
        assert.deepEqual(await rowOf(job.id), before, 'the row is untouched');
        assert.equal((await t.events.all(job.id)).length, eventsBefore, 'no event recorded');
      }
    });
  }
}

test('a move whose narrowed `from` no longer matches the stored status is refused and writes nothing', async () => {
  const job = await jobIn('running');
  const before = await rowOf(job.id);
  await assert.rejects(t.service.moveTo(job, 'paused', { currentStep: 3 }, 'x', { from: ['pausing'] }), /cannot be paused/);
  assert.deepEqual(await rowOf(job.id), before);
});
