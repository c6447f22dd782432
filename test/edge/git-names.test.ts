import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nameProblem, ownerProblem, refProblem } from '../../src/repositories/repository-names.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';

// Owner, name and ref are joined onto SELFTUNE_GIT_BASE_URL and handed to git:
// whatever the base's scheme, they cannot leave the base or pass git an option.

let t: TestServer;
let root: string;

async function gitRepo(path: string) {
  await mkdir(path, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-C', path, ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  for (let i = 0; i < 12; i++) await writeFile(join(path, `f${i}.txt`), `sample ${i}\n`);
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  return git('rev-parse', 'HEAD');
}

before(async () => {
  root = await tempDir('git-names');
  await gitRepo(join(root, 'base', 'acme', 'snippets'));
  await gitRepo(join(root, 'outside')); // beside the base: `base/../outside`
  t = await startServer({ gitBaseUrl: `file://${join(root, 'base')}` });
});
after(async () => {
  await t.close();
  await rm(root, { recursive: true, force: true });
});

const createJob = (repository: Record<string, unknown>) =>
  fetch(`${t.url}/mistral/v1/fine_tuning/jobs`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'selftune-tiny', training_files: [], hyperparameters: { training_steps: 2 }, auto_start: false, repositories: [{ type: 'github', token: '', ...repository }] }),
  });

async function refused(repository: Record<string, unknown>, field: string) {
  const res = await createJob(repository);
  const body = (await res.json()) as { detail: { loc: unknown[]; msg: string; type: string }[] };
  assert.equal(res.status, 422, JSON.stringify(body));
  assert.deepEqual(body.detail[0]!.loc, ['body', 'repositories', 0, field]);
  return body.detail[0]!.msg;
}

test('owner ".." with a file:// base cannot reach a repository outside the base', async () => {
  assert.match(await refused({ owner: '..', name: 'outside' }, 'owner'), /Invalid repository owner "\.\.": it may hold only letters/);
  assert.match(await refused({ owner: 'acme', name: '..' }, 'name'), /Invalid repository name "\.\.": it may not be "\." or contain "\.\."/);
  await refused({ owner: '-acme', name: 'snippets' }, 'owner');
  await refused({ owner: 'acme', name: '-snippets' }, 'name');
  await refused({ owner: 'acme/..', name: 'snippets' }, 'owner');
  await refused({ owner: 'acme', name: 'snip%2F..' }, 'name');
  // The repository inside the base still works.
  const ok = await createJob({ owner: 'acme', name: 'snippets' });
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.match(((await ok.json()) as { repositories: { commit_id: string }[] }).repositories[0]!.commit_id, /^[0-9a-f]{40}$/);
});

test('a ref git would read as an option, or no valid ref name, is refused before git runs', async () => {
  const marker = join(root, 'pwned');
  assert.match(await refused({ owner: 'acme', name: 'snippets', ref: `--upload-pack=touch ${marker}` }, 'ref'), /may not start with "-"/);
  await refused({ owner: 'acme', name: 'snippets', ref: 'main..other' }, 'ref');
  await refused({ owner: 'acme', name: 'snippets', ref: 'a b' }, 'ref');
  assert.ok(!existsSync(marker));
});

test('the name rules follow GitHub and git check-ref-format', () => {
  for (const ok of ['acme', 'Acme-Corp', 'a_b', 'a.b', '0x']) assert.equal(ownerProblem(ok), null, ok);
  for (const bad of ['', '..', '.hidden', '-x', '_x', 'a/b', 'a..b', 'a b', 'é', 'x'.repeat(101)]) assert.notEqual(ownerProblem(bad), null, bad);
  for (const ok of ['snippets', '.github', 'a.b-c_d', 'repo.git']) assert.equal(nameProblem(ok), null, ok);
  for (const bad of ['', '.', '..', '-x', 'a/b', 'a..b', 'a b', 'x'.repeat(101)]) assert.notEqual(nameProblem(bad), null, bad);
  for (const ok of ['main', 'v1.2.3', 'feature/x', 'release-2024_01', 'HEAD']) assert.equal(refProblem(ok), null, ok);
  const bad = ['', '-x', '--upload-pack=x', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '/a', 'a/', 'a//b', 'a.', '.a', 'a/.b', 'a.lock', 'a/b.lock/c', '@', 'a@{1}', 'a\u0001', 'a\u007f'];
  for (const ref of bad) assert.notEqual(refProblem(ref), null, ref);
});
