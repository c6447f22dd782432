import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createTenant, openAiClient } from '../helpers/tenants.ts';

// Who a key is: the deployment admin key, project keys and their roles, the OpenAI-Project header.

const ADMIN_KEY = 'sk-admin-test-0123456789abcdef';
let t: TestServer;

before(async () => {
  t = await startServer({ adminKey: ADMIN_KEY });
});
after(() => t?.close());

const status = (promise: Promise<unknown>) => promise.then(() => 200, (err: unknown) => (err instanceof OpenAI.APIError ? err.status : -1));

test('with an admin key configured, a request without a key or with an unknown key is refused with 401', async () => {
  const anonymous = await fetch(`${t.url}/v1/files`);
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).error.code, 'missing_api_key');
  assert.equal(await status(openAiClient(t, 'sk-proj-unknown').files.list()), 401);
  assert.equal(await status(openAiClient(t, ADMIN_KEY).files.list()), 200);
});

test('a project key sees its own project; a read-only key may read but not write', async () => {
  const member = await createTenant(t);
  const reader = await createTenant(t, { orgId: member.orgId, role: 'reader' });
  assert.equal(await status(member.client.files.list()), 200);
  assert.equal(await status(reader.client.files.list()), 200);
  const refused = await reader.client.files.create({ file: new File(['{}\n'], 'x.jsonl'), purpose: 'fine-tune' }).catch((err: unknown) => err);
  assert.ok(refused instanceof OpenAI.PermissionDeniedError, String(refused));
  assert.equal((refused.error as { code?: string }).code, 'insufficient_permissions');
});

test("a project key's OpenAI-Project header must name its own project; an admin key may pick one of its organization", async () => {
  const tenant = await createTenant(t);
  assert.equal(await status(openAiClient(t, tenant.key, { project: tenant.projectId }).files.list()), 200);
  assert.equal(await status(openAiClient(t, tenant.key, { project: 'proj_default' }).files.list()), 401);
  assert.equal(await status(openAiClient(t, ADMIN_KEY, { project: 'proj_default' }).files.list()), 200);
  assert.equal(await status(openAiClient(t, ADMIN_KEY, { project: tenant.projectId }).files.list()), 404, 'another organization\'s project');
});

test('adding a base model (a pull from the Hub) is for admin keys: every project shares base models', async () => {
  const member = await createTenant(t);
  const refused = await fetch(`${t.url}/v1/model_pulls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${member.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'acme/tiny' }),
  });
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).error.code, 'insufficient_permissions');
});
