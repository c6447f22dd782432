import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { descendants } from '../faults/processes.ts';
import { allEvents, uploadDemo } from '../helpers/jobs.ts';
import { startS3Server, type TestS3 } from '../helpers/s3-server.ts';
import { freePort, startServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/wait.ts';

// SELFTUNE_RAY_ADDRESS names a port where nothing listens: `ray.init` would
// wait there for minutes. The driver's start times out, the job goes back to
// the queue with a warning that names the setting, and /health says why no job can start.

let s3: TestS3;
let t: TestServer;
let address: string;

before(async () => {
  s3 = await startS3Server();
  address = `127.0.0.1:${await freePort()}`;
  t = await startServer({ rayAddress: address, rayConnectTimeoutSeconds: 3, blobUrl: s3.blobUrl() }, { awsEnv: s3.env });
});
after(async () => {
  await t?.close();
  await s3?.close();
});

const drivers = () => descendants(process.pid).filter((p) => p.args.includes('ray-driver') && p.args.includes(address));

test('a cluster that does not answer leaves the job queued with a warning naming SELFTUNE_RAY_ADDRESS, and /health reports it', async () => {
  const { client } = t;
  assert.equal((await fetch(`${t.url}/health`)).status, 200, 'healthy until a start has failed');
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id });
  const warning = await waitUntil(async () => (await allEvents(client, job.id)).find((e) => e.message.startsWith('The job could not start')), { what: 'the warning event' });
  assert.equal(warning.level, 'warn');
  assert.match(warning.message, new RegExp(`SELFTUNE_RAY_ADDRESS=${address} did not answer within 3 s`));

  const queued = await client.fineTuning.jobs.retrieve(job.id);
  assert.equal(queued.status, 'queued');
  assert.equal(queued.error?.code ?? null, null, 'no error: it was not failed');
  const health = await fetch(`${t.url}/health`);
  assert.equal(health.status, 200, 'the API stays up without its training cluster');
  const body = (await health.json()) as { status: string; problem: string };
  assert.equal(body.status, 'degraded');
  assert.match(body.problem, /SELFTUNE_RAY_ADDRESS/);
  await waitUntil(() => drivers().length === 0, { what: 'the timed-out driver to be stopped' });

  await client.fineTuning.jobs.cancel(job.id);
  assert.equal((await client.fineTuning.jobs.retrieve(job.id)).status, 'cancelled');
});
