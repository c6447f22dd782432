import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isFinished, upload, uploadDemo, waitForJob } from '../helpers/jobs.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { createTenant, openAiClient, type TestTenant } from '../helpers/tenants.ts';

// One real server for the fuzzer, with keys (so every request goes through
// authentication) and real records to aim ids at: a project's training file,
// a finished job, its fine-tuned model and checkpoint, and another
// organization's file and job.

export const FUZZ_ADMIN_KEY = 'sk-admin-fuzz-0123456789abcdef';

export interface FuzzTarget {
  t: TestServer;
  tenant: TestTenant;
  other: TestTenant;
  /** What `{{name}}` stands for in a fuzz case (ids, keys, project ids). */
  values: Record<string, string>;
}

/** A UUID-form id as the Mistral dialect shows it. */
const mistralId = async (t: TestServer, key: string, kind: 'files' | 'fine_tuning/jobs', openAiId: string) => {
  const res = await fetch(`${t.url}/mistral/v1/${kind}/${openAiId}`, { headers: { authorization: `Bearer ${key}` } });
  return ((await res.json()) as { id: string }).id;
};

async function makeRepository(dir: string) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'README.md'), '# A repository to train on\n');
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=fuzz', '-c', 'user.email=fuzz@example.com', ...args], { stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch', 'main');
  git('add', '.');
  git('commit', '--quiet', '-m', 'first');
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  // Model pulls go to a hub that cannot answer; repositories to a local folder with one repository, owner/repo.
  process.env['HF_HUB_OFFLINE'] = '1';
  const gitBase = await tempDir('fuzz-git');
  await makeRepository(join(gitBase, 'owner', 'repo'));
  const t = await startServer({ adminKey: FUZZ_ADMIN_KEY, gitBaseUrl: pathToFileURL(gitBase).href, maxUploadBytes: 256 * 1024 });
  await t.server.ready;
  const tenant = await createTenant(t);
  const reader = await createTenant(t, { orgId: tenant.orgId, role: 'reader' });
  const other = await createTenant(t);
  const admin = openAiClient(t, FUZZ_ADMIN_KEY);

  const { training } = await uploadDemo(tenant.client);
  const job = await waitForJob(tenant.client, (await tenant.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 } })).id, isFinished);
  if (job.status !== 'succeeded') throw new Error(`the fuzzer's seed job ended ${job.status}: ${JSON.stringify(job.error)}`);
  const checkpoints = (await tenant.client.fineTuning.jobs.checkpoints.list(job.id)).data;
  // The first chat request starts the inference worker (a Python start: a minute or more on a busy
  // machine). Start it here, so the fuzzer's answer deadline measures answers, not that start.
  await tenant.client.chat.completions.create({ model: job.fine_tuned_model!, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }, { timeout: 10 * 60_000 });
  const otherFile = await upload(other.client, '{"text": "another organization"}\n', 'other.jsonl');
  const otherJob = await other.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: otherFile.id });
  await other.client.fineTuning.jobs.cancel(otherJob.id).catch(() => {}); // it may have failed validation already
  const adminFile = await upload(admin, '{"text": "the default project"}\n', 'default.jsonl');
  const webhookEndpoint = await tenant.client.webhooks.create({ name: 'fuzz', url: 'http://127.0.0.1:9/hooks', event_types: ['fine_tuning.job.succeeded'] });

  const values: Record<string, string> = {
    adminKey: FUZZ_ADMIN_KEY,
    key: tenant.key,
    readerKey: reader.key,
    otherKey: other.key,
    project: tenant.projectId,
    otherProject: other.projectId,
    file: training.id,
    mistralFile: await mistralId(t, tenant.key, 'files', training.id),
    otherFile: otherFile.id,
    adminFile: adminFile.id,
    job: job.id,
    mistralJob: await mistralId(t, tenant.key, 'fine_tuning/jobs', job.id),
    otherJob: otherJob.id,
    model: job.fine_tuned_model!,
    checkpoint: checkpoints[0]?.fine_tuned_model_checkpoint ?? job.fine_tuned_model!,
    baseModel: 'selftune-tiny',
    webhookEndpoint: webhookEndpoint.id,
  };
  return { t, tenant, other, values };
}
