import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openAiClient } from '../helpers/tenants.ts';

// OpenAI's Admin API through the official SDK: projects, service accounts,
// project keys, admin keys, and selftune's organizations extension (the SDK's
// generic post/get, which send the key as an ordinary API key).

const ADMIN_KEY = 'sk-admin-test-admin-api-0123456789';
let t: TestServer;
let admin: OpenAI;

before(async () => {
  t = await startServer({ adminKey: ADMIN_KEY });
  admin = adminClient(ADMIN_KEY);
});
after(() => t?.close());

const adminClient = (key: string) => new OpenAI({ adminAPIKey: key, baseURL: `${t.url}/v1`, maxRetries: 0 });
const statusOf = (promise: Promise<unknown>) => promise.then(() => 200, (err: unknown) => (err instanceof OpenAI.APIError ? err.status : err));
const errorOf = async (promise: Promise<unknown>) => {
  const err = await promise.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof OpenAI.APIError, `expected an API error, got ${String(err)}`);
  return { status: err.status, ...(err.error as { code: string; param: string | null; message: string; type: string }) };
};
const upload = (client: OpenAI) => client.files.create({ file: new File(['{"text":"hello"}\n'], 'notes.jsonl'), purpose: 'fine-tune' });

test('a project with a service account: its key works for /v1 but not for the Admin API, and stops at once when revoked', async () => {
  const project = await admin.admin.organization.projects.create({ name: 'Research' });
  assert.match(project.id, /^proj_\w+$/);
  assert.equal(project.object, 'organization.project');
  assert.equal(project.name, 'Research');
  assert.equal(project.status, 'active');
  assert.ok(Math.abs(project.created_at - Date.now() / 1000) < 3600, 'created_at is in seconds');
  assert.deepEqual(await admin.admin.organization.projects.retrieve(project.id), project);

  const account = await admin.admin.organization.projects.serviceAccounts.create(project.id, { name: 'ci' });
  assert.equal(account.object, 'organization.project.service_account');
  assert.equal(account.role, 'member');
  assert.ok(account.api_key);
  assert.equal(account.api_key.object, 'organization.project.service_account.api_key');
  assert.match(account.api_key.value, /^sk-proj-\w{48}$/);

  const key = account.api_key.value;
  const member = openAiClient(t, key);
  const file = await upload(member);
  assert.equal((await member.files.retrieve(file.id)).id, file.id);
  const forbidden = await errorOf(adminClient(key).admin.organization.projects.list());
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.code, 'insufficient_permissions');

  const keys = await admin.admin.organization.projects.apiKeys.list(project.id);
  assert.equal(keys.data.length, 1);
  const listed = keys.data[0]!;
  assert.equal(listed.id, account.api_key.id);
  assert.equal(listed.object, 'organization.project.api_key');
  assert.equal(listed.redacted_value, `sk-proj-…${key.slice(-4)}`);
  assert.equal(listed.owner.type, 'service_account');
  assert.equal(listed.owner.service_account?.id, account.id);
  assert.ok(!JSON.stringify(keys.data).includes(key), 'the key value is never listed');
  const retrieved = await admin.admin.organization.projects.apiKeys.retrieve(listed.id, { project_id: project.id });
  assert.equal(typeof retrieved.last_used_at, 'number', 'using the key set last_used_at');

  const revoked = await admin.admin.organization.projects.apiKeys.delete(listed.id, { project_id: project.id });
  assert.deepEqual(revoked, { object: 'organization.project.api_key.deleted', id: listed.id, deleted: true });
  const refused = await errorOf(member.files.list());
  assert.equal(refused.status, 401);
  assert.equal(refused.code, 'invalid_api_key');
  assert.equal((await errorOf(admin.admin.organization.projects.apiKeys.retrieve(listed.id, { project_id: project.id }))).status, 404);
});

test('a reader account may read but not write; its role can be raised, and deleting the account revokes its keys', async () => {
  const project = await admin.admin.organization.projects.create({ name: 'Readers' });
  // `role` is selftune's extension field on create (OpenAI's create takes only a name).
  const account = (await admin.admin.organization.projects.serviceAccounts.create(project.id, { name: 'dashboards', role: 'reader' } as { name: string })) as { id: string; role: string; api_key: { value: string } };
  assert.equal(account.role, 'reader');
  const reader = openAiClient(t, account.api_key.value);
  assert.equal(await statusOf(reader.files.list()), 200);
  const writeRefused = await errorOf(upload(reader));
  assert.equal(writeRefused.status, 403);
  assert.equal(writeRefused.code, 'insufficient_permissions');

  const raised = await admin.admin.organization.projects.serviceAccounts.update(account.id, { project_id: project.id, role: 'member' });
  assert.equal(raised.role, 'member');
  assert.equal(await statusOf(upload(reader)), 200);
  const accounts = await admin.admin.organization.projects.serviceAccounts.list(project.id);
  assert.deepEqual(accounts.data.map((a) => [a.id, a.role]), [[account.id, 'member']]);

  const gone = await admin.admin.organization.projects.serviceAccounts.delete(account.id, { project_id: project.id });
  assert.deepEqual(gone, { object: 'organization.project.service_account.deleted', id: account.id, deleted: true });
  assert.equal(await statusOf(reader.files.list()), 401);
  assert.equal((await admin.admin.organization.projects.apiKeys.list(project.id)).data.length, 0);
});

test("archiving a project stops its keys; archived projects are listed only when asked; the default project stays", async () => {
  const project = await admin.admin.organization.projects.create({ name: 'Old' });
  const account = await admin.admin.organization.projects.serviceAccounts.create(project.id, { name: 'legacy' });
  const client = openAiClient(t, account.api_key!.value);
  assert.equal(await statusOf(client.files.list()), 200);

  const archived = await admin.admin.organization.projects.archive(project.id);
  assert.equal(archived.status, 'archived');
  assert.equal(typeof archived.archived_at, 'number');
  assert.equal((await errorOf(client.files.list())).status, 401);
  const renamed = await errorOf(admin.admin.organization.projects.update(project.id, { name: 'New' }));
  assert.deepEqual([renamed.status, renamed.code], [400, 'project_archived']);
  assert.equal((await errorOf(admin.admin.organization.projects.serviceAccounts.create(project.id, { name: 'x' }))).code, 'project_archived');

  const active = await admin.admin.organization.projects.list();
  assert.ok(!active.data.some((p) => p.id === project.id));
  assert.ok(active.data.some((p) => p.id === 'proj_default'));
  const all = await admin.admin.organization.projects.list({ include_archived: true });
  assert.ok(all.data.some((p) => p.id === project.id));

  const keepDefault = await errorOf(admin.admin.organization.projects.archive('proj_default'));
  assert.deepEqual([keepDefault.status, keepDefault.code], [400, 'project_is_default']);
});

test('projects page with after/limit, and update renames', async () => {
  const made = [];
  for (const n of [1, 2, 3]) made.push(await admin.admin.organization.projects.create({ name: `Paged ${n}` }));
  const renamed = await admin.admin.organization.projects.update(made[0]!.id, { name: 'Paged one' });
  assert.equal(renamed.name, 'Paged one');
  const seen: string[] = [];
  for await (const project of admin.admin.organization.projects.list({ limit: 2 })) seen.push(project.id);
  assert.equal(new Set(seen).size, seen.length, 'no project twice');
  for (const p of made) assert.ok(seen.includes(p.id));
  const firstPage = await admin.admin.organization.projects.list({ limit: 2 });
  assert.equal(firstPage.data.length, 2);
  assert.equal(firstPage.has_more, true);
});

test('admin keys: create (value shown once), list, retrieve, use, delete', async () => {
  const created = await admin.admin.organization.adminAPIKeys.create({ name: 'ops' });
  assert.equal(created.object, 'organization.admin_api_key');
  assert.match(created.value, /^sk-admin-\w{48}$/);
  const second = adminClient(created.value);
  assert.ok((await second.admin.organization.projects.list()).data.some((p) => p.id === 'proj_default'), 'a new admin key manages the same organization');
  const listed = await admin.admin.organization.adminAPIKeys.list();
  assert.ok(listed.data.some((k) => k.id === created.id && k.redacted_value === `sk-admin-…${created.value.slice(-4)}`));
  assert.ok(!JSON.stringify(listed.data).includes(created.value));
  assert.equal((await admin.admin.organization.adminAPIKeys.retrieve(created.id)).name, 'ops');
  assert.deepEqual(await admin.admin.organization.adminAPIKeys.delete(created.id), { object: 'organization.admin_api_key.deleted', id: created.id, deleted: true });
  assert.equal(await statusOf(second.admin.organization.projects.list()), 401);
});

test("another organization's admin key neither sees nor touches this organization's projects", async () => {
  const mine = await admin.admin.organization.projects.create({ name: 'Mine' });
  const account = await admin.admin.organization.projects.serviceAccounts.create(mine.id, { name: 'svc' });
  const org = (await openAiClient(t, ADMIN_KEY).post('/organizations', { body: { name: 'Other team' } })) as { id: string; default_project_id: string; admin_key: { value: string } };
  assert.match(org.id, /^org-\w+$/);
  const other = adminClient(org.admin_key.value);

  const theirs = await other.admin.organization.projects.list();
  assert.deepEqual(theirs.data.map((p) => p.id), [org.default_project_id]);
  for (const attempt of [
    () => other.admin.organization.projects.retrieve(mine.id),
    () => other.admin.organization.projects.update(mine.id, { name: 'taken' }),
    () => other.admin.organization.projects.archive(mine.id),
    () => other.admin.organization.projects.serviceAccounts.list(mine.id),
    () => other.admin.organization.projects.serviceAccounts.create(mine.id, { name: 'intruder' }),
    () => other.admin.organization.projects.serviceAccounts.delete(account.id, { project_id: mine.id }),
    () => other.admin.organization.projects.apiKeys.list(mine.id),
    () => other.admin.organization.projects.apiKeys.delete(account.api_key!.id, { project_id: mine.id }),
    // and not through its own project's path either
    () => other.admin.organization.projects.serviceAccounts.retrieve(account.id, { project_id: org.default_project_id }),
    () => other.admin.organization.projects.apiKeys.retrieve(account.api_key!.id, { project_id: org.default_project_id }),
  ]) {
    const err = await errorOf(attempt());
    assert.equal(err.status, 404, err.message);
  }
  assert.equal((await admin.admin.organization.projects.retrieve(mine.id)).name, 'Mine');
  assert.equal(await statusOf(openAiClient(t, account.api_key!.value).files.list()), 200, 'the key still works');

  const refused = await errorOf(openAiClient(t, org.admin_key.value).post('/organizations', { body: { name: 'Nested' } }));
  assert.deepEqual([refused.status, refused.code], [403, 'insufficient_permissions']);
  const orgs = (await openAiClient(t, ADMIN_KEY).get('/organizations')) as { data: Array<{ id: string }> };
  assert.ok(orgs.data.some((o) => o.id === 'org-default') && orgs.data.some((o) => o.id === org.id));
});

test("bad input gets OpenAI's error envelope with the field at fault", async () => {
  const missing = await errorOf(admin.admin.organization.projects.create({} as { name: string }));
  assert.deepEqual([missing.status, missing.code, missing.param, missing.type], [400, 'missing_required_parameter', 'name', 'invalid_request_error']);
  const empty = await errorOf(admin.admin.organization.projects.create({ name: '  ' }));
  assert.deepEqual([empty.status, empty.param], [400, 'name']);
  const role = await errorOf(admin.admin.organization.projects.serviceAccounts.create('proj_default', { name: 'x', role: 'admin' } as { name: string }));
  assert.deepEqual([role.status, role.param], [400, 'role']);
  const limit = await errorOf(admin.admin.organization.projects.list({ limit: 1000 }));
  assert.deepEqual([limit.status, limit.code, limit.param], [400, 'value_above_maximum', 'limit']);
  const unknown = await errorOf(admin.admin.organization.projects.retrieve('proj_nope'));
  assert.deepEqual([unknown.status, unknown.code], [404, 'project_not_found']);
  const raw = await fetch(`${t.url}/v1/organization/projects`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: '{"name":' });
  assert.equal(raw.status, 400);
  assert.equal(((await raw.json()) as { error: { code: string } }).error.code, 'invalid_json');
});
