import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import OpenAI from 'openai';
import { BACKENDS } from '../helpers/backends.ts';
import { createTenant } from '../helpers/tenants.ts';
import { serverOn } from './backend-server.ts';
import { Receiver } from './receiver.ts';

// The webhook endpoint API through the openai SDK's own methods, per project,
// on every backend: the SDK parses each answer into its types.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.splice(0).reverse().map((c) => c())));


const status = (p: Promise<unknown>) => p.then(() => 200, (err: unknown) => (err instanceof OpenAI.APIError ? err.status : -1));

for (const backend of BACKENDS) {
  describe(`webhook endpoints (${backend})`, () => {
    test('create shows the secret once; list, retrieve, update, rotate, test and delete work through the SDK', async () => {
      const t = await serverOn(backend, {}, cleanups);
      const { client } = await createTenant(t);
      const receiver = await new Receiver('').start();
      cleanups.push(() => receiver.close());

      const created = await client.webhooks.create({ name: 'ci', url: receiver.url, event_types: ['fine_tuning.job.succeeded', 'fine_tuning.job.failed'] });
      assert.match(created.id, /^whe_/);
      assert.match(created.signing_secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      assert.equal(created.signing_secret_hint, `whsec_…${created.signing_secret.slice(-4)}`);
      assert.deepEqual(created.event_types, ['fine_tuning.job.succeeded', 'fine_tuning.job.failed']);
      receiver.secret = created.signing_secret;

      const fetched = await client.webhooks.retrieve(created.id);
      assert.equal('signing_secret' in fetched, false, 'the secret is shown only at create and rotate');
      assert.equal(fetched.url, receiver.url);
      const listed = [];
      for await (const e of client.webhooks.list({ limit: 1 })) listed.push(e.id);
      assert.deepEqual(listed, [created.id]);

      // An update that changes nothing keeps updated_at; one that does changes what it names.
      const same = await client.webhooks.update(created.id, { name: 'ci' });
      assert.equal(same.updated_at, created.updated_at);
      const renamed = await client.webhooks.update(created.id, { name: 'renamed', event_types: ['fine_tuning.job.cancelled'] });
      assert.equal(renamed.name, 'renamed');
      assert.deepEqual(renamed.event_types, ['fine_tuning.job.cancelled']);

      // A test event is a real signed request: the receiver verifies it with unwrap().
      const tested = await client.webhooks.test(created.id, { event_type: 'fine_tuning.job.succeeded' });
      assert.deepEqual(tested, { object: 'webhook_endpoint.test', webhook_endpoint_id: created.id, event_type: 'fine_tuning.job.succeeded', status_code: 200, success: true });
      assert.deepEqual(receiver.rejected, []);
      assert.equal(receiver.received.length, 1);
      assert.equal(receiver.received[0]!.event.type, 'fine_tuning.job.succeeded');
      assert.match(receiver.received[0]!.subject, /^ftjob-/);

      // After a rotation the old secret no longer verifies; kept for 24 h, both do.
      const rotated = await client.webhooks.rotateSecret(created.id);
      assert.notEqual(rotated.signing_secret, created.signing_secret);
      receiver.answer = () => 204;
      await client.webhooks.test(created.id, { event_type: 'fine_tuning.job.failed' });
      assert.equal(receiver.rejected.length, 1, 'signed with the new secret only');
      const kept = await client.webhooks.rotateSecret(created.id, { keep_old_secret_active_for_24_hours: true });
      receiver.secret = rotated.signing_secret;
      assert.equal((await client.webhooks.test(created.id, { event_type: 'fine_tuning.job.cancelled' })).status_code, 204);
      receiver.secret = kept.signing_secret;
      assert.equal((await client.webhooks.test(created.id, { event_type: 'fine_tuning.job.cancelled' })).status_code, 204);
      assert.equal(receiver.rejected.length, 1);

      // The delivery log has every request, newest first.
      const log = await fetch(`${t.url}/v1/webhook_endpoints/${created.id}/deliveries?limit=10`, { headers: { authorization: `Bearer ${client.apiKey}` } }).then((r) => r.json()) as { data: Array<{ status_code: number; test: boolean; attempt: number }> };
      assert.deepEqual(log.data.map((a) => a.status_code), [204, 204, 400, 200]);
      assert.ok(log.data.every((a) => a.test && a.attempt === 1));

      const types = await client.webhooks.eventTypes.list();
      assert.deepEqual(types.data, ['fine_tuning.job.succeeded', 'fine_tuning.job.failed', 'fine_tuning.job.cancelled']);

      const deleted = await client.webhooks.delete(created.id);
      assert.deepEqual(deleted, { object: 'webhook_endpoint.deleted', id: created.id, deleted: true });
      assert.equal(await status(client.webhooks.retrieve(created.id)), 404);
    });

    test('another project cannot see an endpoint; a reader key may read but not create; bad fields are named', async () => {
      const t = await serverOn(backend, {}, cleanups);
      const owner = await createTenant(t);
      const other = await createTenant(t);
      const reader = await createTenant(t, { orgId: owner.orgId, role: 'reader' });
      const endpoint = await owner.client.webhooks.create({ name: 'mine', url: 'http://127.0.0.1:9/hooks', event_types: ['fine_tuning.job.succeeded'] });

      const { webhooks } = other.client;
      for (const call of [
        () => webhooks.retrieve(endpoint.id),
        () => webhooks.update(endpoint.id, { name: 'taken' }),
        () => webhooks.rotateSecret(endpoint.id),
        () => webhooks.test(endpoint.id, { event_type: 'fine_tuning.job.failed' }),
        () => webhooks.delete(endpoint.id),
      ]) assert.equal(await status(call()), 404);
      const log = await fetch(`${t.url}/v1/webhook_endpoints/${endpoint.id}/deliveries`, { headers: { authorization: `Bearer ${other.key}` } });
      assert.equal(log.status, 404);
      assert.deepEqual((await other.client.webhooks.list()).data, []);
      assert.equal((await owner.client.webhooks.retrieve(endpoint.id)).name, 'mine', 'untouched');

      assert.equal(await status(reader.client.webhooks.create({ name: 'x', url: 'http://127.0.0.1:9/', event_types: ['fine_tuning.job.failed'] })), 403);
      assert.deepEqual((await reader.client.webhooks.list()).data, []);

      const refused = await owner.client.webhooks.create({ name: 'x', url: 'http://127.0.0.1:9/', event_types: ['fine_tuning.job.done' as 'fine_tuning.job.failed'] }).catch((e: unknown) => e);
      assert.ok(refused instanceof OpenAI.BadRequestError);
      assert.equal(refused.param, 'event_types[0]');
      assert.match(refused.message, /'fine_tuning\.job\.done' is not a webhook event type/);
      // A type of the SDK's list that selftune never sends is accepted (it never fires).
      const batch = await owner.client.webhooks.create({ name: 'batches', url: 'http://127.0.0.1:9/', event_types: ['batch.completed'] });
      assert.deepEqual(batch.event_types, ['batch.completed']);
      const badUrl = await owner.client.webhooks.create({ name: 'x', url: 'ftp://example.com/', event_types: ['fine_tuning.job.failed'] }).catch((e: unknown) => e);
      assert.ok(badUrl instanceof OpenAI.BadRequestError);
      assert.equal(badUrl.param, 'url');
      // A test event that gets no answer says so (port 9 refuses).
      const unreachable = await owner.client.webhooks.test(endpoint.id, { event_type: 'fine_tuning.job.failed' }).catch((e: unknown) => e);
      assert.ok(unreachable instanceof OpenAI.BadRequestError);
      assert.equal(unreachable.code, 'webhook_endpoint_unreachable');
    });
  });
}
