import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { toOpenAiId } from '../ids/ids.ts';
import { openJobStore, TEST_TENANT, type JobStore } from '../jobs/job-store.testing.ts';
import { SecretBox } from '../secrets/secret-box.ts';
import { DeliveriesRepository } from './deliveries.repository.ts';
import { EndpointsRepository } from './endpoints.repository.ts';
import { Outbox } from './outbox.ts';

// The outbox rows are written by the terminal status change's own transaction:
// both are there, or neither.

let t: JobStore;
let wakes = 0;
before(async () => {
  t = await openJobStore(() => 1_700_000_000_123);
  const endpoints = new EndpointsRepository(t.store.db, new SecretBox(randomBytes(32)));
  await endpoints.insert(TEST_TENANT, { name: 'all', url: 'http://127.0.0.1:9/', eventTypes: ['fine_tuning.job.succeeded', 'fine_tuning.job.failed'] }, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA', 1);
  await endpoints.insert({ orgId: 'org', projectId: 'another' }, { name: 'elsewhere', url: 'http://127.0.0.1:9/', eventTypes: ['fine_tuning.job.succeeded'] }, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA', 1);
  t.service.terminalHook = new Outbox(endpoints, new DeliveriesRepository(t.store), true, () => wakes++);
});
after(() => t?.close());

const outbox = async () => ({
  events: await t.store.db.selectFrom('webhook_events').selectAll().execute(),
  deliveries: await t.store.db.selectFrom('webhook_deliveries').select(['event_id', 'endpoint_id', 'status', 'next_attempt_at']).execute(),
});

test('a job that succeeds writes its event and a delivery to each receiver; other changes write nothing', async () => {
  const job = await t.insertJob({ status: 'running' });
  await t.service.moveTo(job, 'pausing', {}, 'pause');
  assert.deepEqual((await outbox()).events, []);
  await t.service.moveTo({ ...job, status: 'pausing' }, 'succeeded', {}, 'done');
  const { events, deliveries } = await outbox();
  assert.equal(events.length, 1);
  const [event] = events;
  assert.equal(event!.type, 'fine_tuning.job.succeeded');
  assert.equal(event!.created_at, 1_700_000_000_123, 'the status change\'s time');
  assert.deepEqual(JSON.parse(event!.body), { id: event!.id, object: 'event', created_at: 1_700_000_000, type: 'fine_tuning.job.succeeded', data: { id: toOpenAiId('job', job.id) } });
  // The project's subscriber and the deployment endpoint; not another project's endpoint.
  assert.deepEqual(deliveries.map((d) => d.endpoint_id.replace(/^whe_\w+$/, 'whe_')).sort(), ['deployment', 'whe_']);
  assert.ok(deliveries.every((d) => d.status === 'pending' && d.next_attempt_at === event!.created_at));
  assert.equal(wakes, 1, 'the loop is woken once committed');
});

test('when the outbox cannot be written, the status change is rolled back with it', async () => {
  const job = await t.insertJob({ status: 'running' });
  const real = t.service.terminalHook!;
  t.service.terminalHook = { write: async () => { throw new Error('disk gone'); }, committed: () => assert.fail('not committed') };
  try {
    await assert.rejects(t.service.moveTo(job, 'failed', { error: { code: 'x', message: 'x', param: null } }, 'failed'), /disk gone/);
  } finally {
    t.service.terminalHook = real;
  }
  assert.equal((await t.jobs.findAnyOrg(job.id))!.status, 'running');
  assert.ok(!(await outbox()).events.some((e) => e.subject_id === job.id));
});
