import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openSqlite, type Store } from '../db/backend.ts';
import { migrate } from '../db/migrate.ts';
import { EventsRepository } from '../events/events.repository.ts';
import { newUuid } from '../ids/ids.ts';
import type { Job, JobOptions } from './job.ts';

const OPTIONS: JobOptions = { invalidSampleSkipPercentage: 0, repositories: [], classifierTargets: null, wandbUrl: null, lrSchedule: 'linear', modelNaming: 'openai', estimate: false };
import { JobSignals } from './job-signals.ts';
import { JOB_STATUS, JOB_TRANSITIONS, type JobStatus } from './job-status.ts';
import { JobsRepository } from './jobs.repository.ts';
import { JobsService } from './jobs.service.ts';

// Walks the whole transition table on a real SQLite store: every listed move
// goes through JobsService.moveTo and is recorded; every other one is refused
// and leaves the row exactly as it was.

let dir: string;
let store: Store;
let jobs: JobsRepository;
let events: EventsRepository;
let service: JobsService;
let now = 1_000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'selftune-job-status-'));
  store = openSqlite(join(dir, 'jobs.db'));
  await migrate(store);
  jobs = new JobsRepository(store.db);
  events = new EventsRepository(store.db);
  service = new JobsService(jobs, events, {} as never, {} as never, new JobSignals(), { nowMs: () => now++ }, {} as never);
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function jobIn(status: JobStatus): Promise<Job> {
  const id = newUuid();
  await jobs.insert({
    id, orgId: 'org', createdBy: null, jobType: 'completion', status, model: 'm',
    trainingFiles: [], validationFiles: [], methodType: 'supervised', hyperparameters: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' }, resolvedHyperparameters: null,
    suffix: null, seed: 1, metadata: null, integrations: [], autoStart: true, options: OPTIONS, fineTunedModel: null, resultFiles: [],
    trainedTokens: null, error: null, stats: {}, totalSteps: null, currentStep: 0, estimatedFinish: null, control: null,
    recoveries: 0, createdAt: 1, modifiedAt: 1, queuedAt: null, startedAt: null, finishedAt: null,
  }, 'openai');
  return (await jobs.find('org', id))!;
}

const rowOf = (id: string) => store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const STATUSES = Object.values(JOB_STATUS);

for (const from of STATUSES) {
  for (const to of STATUSES) {
    const allowed = JOB_TRANSITIONS[from].includes(to);
    test(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, async () => {
      const job = await jobIn(from);
      const before = await rowOf(job.id);
      const eventsBefore = (await events.all(job.id)).length;
      if (allowed) {
        const moved = await service.moveTo(job, to, { currentStep: 7 }, `moved to ${to}`);
        assert.equal(moved.status, to);
        const row = await rowOf(job.id);
        assert.equal(row.status, to);
        assert.equal(row.current_step, 7, 'the changes are written with the status');
        const recorded = (await events.all(job.id)).at(-1)!;
        assert.deepEqual([recorded.message, recorded.status], [`moved to ${to}`, to]);
      } else if (from === to) {
        // Already there (a racing writer made the same move): answered with the job as it is, nothing written.
        assert.equal((await service.moveTo(job, to, { currentStep: 7 }, 'must not happen')).status, to);
        await assert.rejects(service.moveTo(job, to, { currentStep: 7 }, 'must not happen', { from: [from] }), /Illegal job status change/);
        assert.deepEqual(await rowOf(job.id), before, 'the row is untouched');
        assert.equal((await events.all(job.id)).length, eventsBefore, 'no event recorded');
      } else {
        await assert.rejects(service.moveTo(job, to, { currentStep: 7 }, 'must not happen'), /cannot be/);
        // Narrowing `from` to the job's own status is refused the same way.
        await assert.rejects(service.moveTo(job, to, { currentStep: 7 }, 'must not happen', { from: [from] }), /Illegal job status change/);
        assert.deepEqual(await rowOf(job.id), before, 'the row is untouched');
        assert.equal((await events.all(job.id)).length, eventsBefore, 'no event recorded');
      }
    });
  }
}

test('a move whose narrowed `from` no longer matches the stored status is refused and writes nothing', async () => {
  const job = await jobIn('running');
  const before = await rowOf(job.id);
  await assert.rejects(service.moveTo(job, 'paused', { currentStep: 3 }, 'x', { from: ['pausing'] }), /cannot be paused/);
  assert.deepEqual(await rowOf(job.id), before);
});
