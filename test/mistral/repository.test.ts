import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { after, before, test } from 'node:test';
import { dataPaths } from '../../src/config/paths.ts';
import { freePort, startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { waitForPort } from '../helpers/wait.ts';
import { createJob, isOver, mistralClient, waitMistral } from './mistral-helpers.ts';

// A repository job against a local git server (git daemon on loopback):
// cloned at its ref, text files become samples, the commit is reported.

let t: TestServer;
let daemon: ChildProcess;
let root: string;
let commit: string;

before(async () => {
  root = await tempDir('git');
  const repo = join(root, 'acme', 'snippets');
  await mkdir(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  for (let i = 0; i < 12; i++) await writeFile(join(repo, `f${i}.py`), `def f${i}(x):\n    return x + ${i}\n`);
  await writeFile(join(repo, 'logo.bin'), Buffer.from([0, 1, 2, 3]));
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  git('tag', 'v1');
  commit = git('rev-parse', 'HEAD');
  const port = await freePort();
  daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, root], { stdio: 'ignore' });
  await waitForPort(port);
  t = await startServer({ gitBaseUrl: `git://127.0.0.1:${port}` });
});
after(async () => {
  await t.close();
  daemon.kill();
  await rm(root, { recursive: true, force: true });
});

/** The job's stored options column, as a later version would read it. */
function storedOptions(dataDir: string, jobId: string): string {
  const db = new Sqlite(dataPaths(dataDir).database, { readonly: true });
  try {
    return (db.prepare('SELECT options FROM jobs WHERE id = ?').get(jobId) as { options: string }).options;
  } finally {
    db.close();
  }
}

test('a repository-only job: the commit is reported at create, cloned at validation, trained on, and the token erased', async () => {
  const client = mistralClient(t);
  const token = 'secret-token-for-this-test';
  const job = await createJob(client, {
    model: 'selftune-tiny',
    autoStart: true,
    repositories: [{ name: 'snippets', owner: 'acme', ref: 'v1', token, weight: 2 }],
    hyperparameters: { learningRate: 1e-3, trainingSteps: 4 },
  });
  assert.equal(job.jobType, 'completion');
  assert.ok(job.jobType === 'completion');
  assert.deepEqual(job.repositories!.map((r) => [r.owner, r.name, r.ref, r.weight, r.commitId]), [['acme', 'snippets', 'v1', 2, commit]]);
  assert.deepEqual(job.trainingFiles, []);
  const done = await waitMistral(client, job.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  assert.equal(done.hyperparameters.trainingSteps, 4);
  assert.ok(done.jobType === 'completion' && done.repositories![0]!.commitId === commit);
  // The samples live with the job's run; the token was used for the clone and is gone from the store.
  const inputs = await readdir(join(dataPaths(t.dataDir).runs, job.id, 'inputs'));
  assert.deepEqual(inputs, ['repository-0.jsonl']);
  const stored = storedOptions(t.dataDir, job.id);
  assert.ok(stored.includes(commit) && !stored.includes(token), stored);
  const seen = await t.client.fineTuning.jobs.retrieve(`ftjob-${(await import('../../src/ids/ids.ts')).uuidToBase62(job.id)}`);
  assert.equal(seen.training_file, null);

  await assert.rejects(
    createJob(client, { model: 'selftune-tiny', repositories: [{ name: 'missing', owner: 'acme', token: 'x' }], hyperparameters: {} }),
    // git's reason, without where the server's repositories live
    (e: Error) => /Status 400.*acme\/missing could not be reached: .*acme\/missing/s.test(e.message) && !e.message.includes('127.0.0.1'),
  );
  await assert.rejects(
    createJob(client, { model: 'selftune-tiny', repositories: [{ name: 'snippets', owner: 'acme', ref: 'no-such-tag', token: 'x' }], hyperparameters: {} }),
    (e: Error) => /Status 400.*no branch or tag 'no-such-tag'/s.test(e.message),
  );
});

test('without a ref the default branch is resolved at create; a dry run clones through the same stage and keeps nothing', async () => {
  const client = mistralClient(t);
  const job = await createJob(client, { model: 'selftune-tiny', repositories: [{ name: 'snippets', owner: 'acme', token: '' }], hyperparameters: {} });
  assert.ok(job.jobType === 'completion');
  assert.deepEqual(job.repositories!.map((r) => [r.ref, r.commitId]), [['main', commit]]);
  await client.fineTuning.jobs.cancel({ jobId: job.id });

  const runs = dataPaths(t.dataDir).runs;
  // Run folders of other jobs than the cancelled one, whose validation may still be writing.
  const runFolders = async () => (await readdir(runs).catch(() => [])).filter((d) => d !== job.id).sort();
  const before = await runFolders();
  const res = await fetch(`${t.url}/mistral/v1/fine_tuning/jobs?dry_run=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify({ model: 'selftune-tiny', repositories: [{ name: 'snippets', owner: 'acme', token: '' }], hyperparameters: { training_steps: 3 } }),
  });
  const dry = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, JSON.stringify(dry));
  assert.match(String(dry.details), /^12 examples/, 'the twelve text files of the tree, not the binary one');
  assert.equal(dry.training_steps, 3);
  assert.deepEqual(await runFolders(), before, 'a dry run leaves nothing behind');

  // A create that fails (an unknown model, a repository that cannot be reached) writes nothing.
  const jobs = (await client.fineTuning.jobs.list()).total;
  await assert.rejects(
    createJob(client, { model: 'no-such-model', repositories: [{ name: 'snippets', owner: 'acme', token: 'x' }], hyperparameters: {} }),
    (e: Error) => /Status 400.*no-such-model/s.test(e.message),
  );
  assert.equal((await client.fineTuning.jobs.list()).total, jobs);
  assert.deepEqual(await runFolders(), before);
});
