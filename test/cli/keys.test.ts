import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openAiClient } from '../helpers/tenants.ts';

// `selftune projects|keys|orgs`, the real binary with an admin key, against a real server.

const ADMIN_KEY = 'sk-admin-test-cli-0123456789abcdef';
let t: TestServer;
before(async () => {
  t = await startServer({ adminKey: ADMIN_KEY });
  process.env.SELFTUNE_ADMIN_KEY = ADMIN_KEY; // runCli passes this process's environment on
});
after(() => {
  delete process.env.SELFTUNE_ADMIN_KEY;
  return t?.close();
});

const selftune = (...args: string[]) => runCli(t.url, ...args);
const json = async <T>(...args: string[]): Promise<T> => {
  const run = await selftune(...args, '--json');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
};

test('projects create, list, get and archive', async () => {
  const project = await json<{ id: string; name: string; status: string }>('projects', 'create', 'Team A');
  assert.match(project.id, /^proj_\w+$/);
  assert.equal(project.name, 'Team A');
  const table = await selftune('projects', 'list');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout.split('\n')[0]!, /^ID\s+NAME\s+STATUS\s+CREATED/);
  assert.match(table.stdout, new RegExp(`${project.id}\\s+Team A\\s+active`));
  assert.equal((await json<{ name: string }>('projects', 'get', project.id)).name, 'Team A');
  assert.equal((await json<{ status: string }>('projects', 'archive', project.id)).status, 'archived');
  assert.doesNotMatch((await selftune('projects', 'list')).stdout, new RegExp(project.id));
  assert.match((await selftune('projects', 'list', '--all')).stdout, new RegExp(`${project.id}\\s+Team A\\s+archived`));
});

test('keys create prints the key once; it works until keys revoke', async () => {
  const project = await json<{ id: string }>('projects', 'create', 'Team B');
  const created = await selftune('keys', 'create', '--project', project.id, '--name', 'trainer', '--role', 'reader');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stderr, /shown this once/);
  const value = /^key\s+(sk-proj-\w+)$/m.exec(created.stdout)?.[1];
  const keyId = /^key_id\s+(key_\w+)$/m.exec(created.stdout)?.[1];
  assert.ok(value && keyId, created.stdout);
  assert.match(created.stdout, /^role\s+reader$/m);
  assert.ok(Array.isArray((await openAiClient(t, value).files.list()).data), 'the new key reads');

  const list = await selftune('keys', 'list', '--project', project.id);
  assert.match(list.stdout, new RegExp(`${keyId}\\s+sk-proj-…${value.slice(-4)}\\s+trainer\\s+reader`));
  assert.ok(!list.stdout.includes(value), 'a list never shows the key');

  const revoked = await json<{ deleted: boolean }>('keys', 'revoke', keyId, '--project', project.id);
  assert.equal(revoked.deleted, true);
  const refused = await openAiClient(t, value).files.list().then(() => 200, (err: { status: number }) => err.status);
  assert.equal(refused, 401);
});

test('orgs create makes an organization whose admin key manages only it', async () => {
  const created = await json<{ id: string; default_project_id: string; admin_key: { value: string } }>('orgs', 'create', 'Other team');
  assert.match(created.admin_key.value, /^sk-admin-\w+$/);
  process.env.SELFTUNE_ADMIN_KEY = created.admin_key.value;
  try {
    const projects = await json<Array<{ id: string }>>('projects', 'list');
    assert.deepEqual(projects.map((p) => p.id), [created.default_project_id]);
    const refused = await selftune('orgs', 'create', 'Nested');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error: 403 Only the deployment admin/);
  } finally {
    process.env.SELFTUNE_ADMIN_KEY = ADMIN_KEY;
  }
  assert.match((await selftune('orgs', 'list')).stdout, new RegExp(created.id));
});

test('usage errors exit 2', async () => {
  const run = await selftune('keys', 'create');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /missing --project ID/);
  const role = await selftune('keys', 'create', '--project', 'proj_default', '--role', 'admin');
  assert.equal(role.code, 2);
  assert.match(role.stderr, /--role must be one of member, owner, reader/);
});

test('limits set changes a project\'s per-key rates and quotas, limits get shows them with usage; default goes back to the server\'s setting', async () => {
  const project = await json<{ id: string }>('projects', 'create', 'Team L');
  const set = await json<Record<string, number | null>>('limits', 'set', '--project', project.id, '--requests-per-minute', '120', '--max-jobs', '2', '--max-storage-bytes', '1000000');
  assert.equal(set.requests_per_minute_per_key, 120);
  assert.equal(set.max_concurrent_fine_tuning_jobs, 2);
  assert.equal(set.max_storage_bytes, 1000000);
  assert.equal(set.storage_bytes, 0);
  const back = await json<Record<string, number | null>>('limits', 'set', '--project', project.id, '--requests-per-minute', 'default');
  assert.equal(back.requests_per_minute_per_key, 0, 'the test server sets no request limit');
  assert.equal(back.max_concurrent_fine_tuning_jobs, 2, 'quotas not named are unchanged');
  const table = await selftune('limits', 'get', '--project', project.id);
  assert.match(table.stdout, /^max_storage_bytes\s+1000000$/m);
  const bad = await selftune('limits', 'set', '--project', project.id, '--max-jobs', 'many');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-jobs takes a whole number/);
});
