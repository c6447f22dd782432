import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { Receiver } from './receiver.ts';

// `selftune webhooks …`, the real binary against a real server (no keys: the default project).

let t: TestServer;
let receiver: Receiver;
before(async () => {
  t = await startServer();
  receiver = await new Receiver('').start();
});
after(async () => {
  await receiver?.close();
  await t?.close();
});

const selftune = (...args: string[]) => runCli(t.url, ...args);
const json = async <T>(...args: string[]): Promise<T> => {
  const run = await selftune(...args, '--json');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
};

test('webhooks create prints the secret once; list, get, update, test, deliveries, rotate-secret and delete', async () => {
  const created = await selftune('webhooks', 'create', '--name', 'ci', '--url', receiver.url);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stderr, /shown this once/);
  const id = /^id\s+(whe_\w+)$/m.exec(created.stdout)?.[1];
  const secret = /^signing_secret\s+(whsec_\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(id && secret, created.stdout);
  assert.match(created.stdout, /^event_types\s+\["fine_tuning\.job\.succeeded","fine_tuning\.job\.failed","fine_tuning\.job\.cancelled"\]$/m);
  receiver.secret = secret;

  const table = await selftune('webhooks', 'list');
  assert.match(table.stdout.split('\n')[0]!, /^ID\s+NAME\s+URL\s+EVENTS\s+CREATED/);
  assert.match(table.stdout, new RegExp(`${id}\\s+ci\\s+${receiver.url}`));
  assert.equal((await json<{ signing_secret_hint: string }>('webhooks', 'get', id)).signing_secret_hint, `whsec_…${secret.slice(-4)}`);
  const updated = await json<{ name: string; event_types: string[] }>('webhooks', 'update', id, '--name', 'renamed', '--event-type', 'fine_tuning.job.failed');
  assert.deepEqual([updated.name, updated.event_types], ['renamed', ['fine_tuning.job.failed']]);

  const tested = await json<{ status_code: number; event_type: string }>('webhooks', 'test', id, '--event-type', 'fine_tuning.job.cancelled');
  assert.deepEqual([tested.status_code, tested.event_type], [200, 'fine_tuning.job.cancelled']);
  assert.equal(receiver.accepted.length, 1);
  assert.deepEqual(receiver.rejected, []);
  const log = await selftune('webhooks', 'deliveries', id);
  assert.match(log.stdout.split('\n')[0]!, /^TIME\s+EVENT\s+TYPE\s+ATTEMPT\s+STATUS\s+ERROR/);
  assert.match(log.stdout, new RegExp(`${receiver.accepted[0]!.webhookId} \\(test\\)\\s+fine_tuning\\.job\\.cancelled\\s+1\\s+200`));

  const rotated = await json<{ signing_secret: string }>('webhooks', 'rotate-secret', id);
  assert.notEqual(rotated.signing_secret, secret);
  const bad = await selftune('webhooks', 'create', '--name', 'x', '--url', receiver.url, '--event-type', 'nope');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /'nope' is not a webhook event type.*\[event_types\[0\]\]/);
  assert.equal((await json<{ deleted: boolean }>('webhooks', 'delete', id)).deleted, true);
  const gone = await selftune('webhooks', 'get', id);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /404 No such webhook endpoint/);
});
