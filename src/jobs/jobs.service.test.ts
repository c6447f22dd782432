import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from './job.ts';
import { JobSignals } from './job-signals.ts';
import type { JobStatus } from './job-status.ts';
import { JobsService } from './jobs.service.ts';
import { newUuid } from '../ids/ids.ts';

const ID = newUuid();
const TENANT = { orgId: 'org', projectId: 'proj' };

// The scheduler moves jobs on between a request's read and its write: validating → queued → running.

function serviceOver(statuses: JobStatus[]) {
  let status = statuses.shift()!;
  const job = (s: JobStatus) => ({ id: ID, ...TENANT, status: s }) as Job;
  const repo = {
    find: async () => job(status),
    // The scheduler wins the race: the status the request saw is gone by the time it writes.
    transition: async (_id: string, from: readonly string[], changes: { status: JobStatus }) => {
      if (statuses.length) status = statuses.shift()!;
      if (!from.includes(status)) return undefined;
      status = changes.status;
      return job(status);
    },
  };
  const events = { add: async () => {} };
  const service = new JobsService(repo as never, events as never, {} as never, {} as never, new JobSignals(), { nowMs: () => 0 }, {} as never);
  return service;
}

test('cancel while the scheduler claims the job (queued → running) asks the trainer to stop instead of answering 400', async () => {
  const job = await serviceOver(['queued', 'running']).cancel(TENANT, ID);
  assert.equal(job.status, 'cancelling');
});

test('cancel while validation finishes (validating → queued) cancels the job', async () => {
  const job = await serviceOver(['validating', 'queued']).cancel(TENANT, ID);
  assert.equal(job.status, 'cancelled');
});

test('pause while the scheduler claims the job (queued → running) pauses it', async () => {
  const job = await serviceOver(['queued', 'running']).pause(TENANT, ID);
  assert.equal(job.status, 'pausing');
});
