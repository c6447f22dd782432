import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
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

test('a repository-only job clones the ref, reports the commit and trains on its text files', async () => {
  const client = mistralClient(t);
  const job = await createJob(client, {
    model: 'selftune-tiny',
    autoStart: true,
    repositories: [{ name: 'snippets', owner: 'acme', ref: 'v1', token: 'unused-locally', weight: 2 }],
    hyperparameters: { learningRate: 1e-3, trainingSteps: 4 },
  });
  assert.equal(job.jobType, 'completion');
  assert.ok(job.jobType === 'completion');
  assert.deepEqual(job.repositories!.map((r) => [r.owner, r.name, r.ref, r.weight, r.commitId]), [['acme', 'snippets', 'v1', 2, commit]]);
  assert.deepEqual(job.trainingFiles, []);
  const done = await waitMistral(client, job.id, isOver);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done.events));
  assert.equal(done.hyperparameters.trainingSteps, 4);
  const seen = await t.client.fineTuning.jobs.retrieve(`ftjob-${(await import('../../src/ids/ids.ts')).uuidToBase62(job.id)}`);
  assert.equal(seen.training_file, null);

  await assert.rejects(
    createJob(client, { model: 'selftune-tiny', repositories: [{ name: 'missing', owner: 'acme', token: 'x' }], hyperparameters: {} }),
    (e: Error) => /Status 400.*could not be cloned/s.test(e.message),
  );
});

test('a create that fails after cloning (a later repository, an unknown model) leaves no samples behind', async () => {
  const client = mistralClient(t);
  const dir = join(t.dataDir, 'repositories');
  const before = await readdir(dir).catch(() => []);
  const snippets = { name: 'snippets', owner: 'acme', token: 'x' };
  await assert.rejects(
    createJob(client, { model: 'selftune-tiny', repositories: [snippets, { name: 'missing', owner: 'acme', token: 'x' }], hyperparameters: {} }),
    (e: Error) => /Status 400.*could not be cloned/s.test(e.message),
  );
  await assert.rejects(
    createJob(client, { model: 'no-such-model', repositories: [snippets], hyperparameters: {} }),
    (e: Error) => /Status 400.*no-such-model/s.test(e.message),
  );
  assert.deepEqual((await readdir(dir)).sort(), [...before].sort());
});
