import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/server.ts';
import { SHORT_WAIT_MS, waitUntil } from '../helpers/wait.ts';
import { loggedServer } from './edge-server.ts';

// A git token is used for the clone and nowhere else: not in the log (at trace
// level), not in an answer; the server's key file is readable by its user only.

const TOKEN = 'ghp_edgeTestTokenThatMustNeverBeLogged0123';

test('a git token never appears in the server log or its answers; the key file is 0600', async () => {
  const root = await tempDir('git-secret');
  const repo = join(root, 'acme', 'snippets');
  await mkdir(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  for (let i = 0; i < 12; i++) await writeFile(join(repo, `f${i}.txt`), `sample ${i}\n`);
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  const s = await loggedServer({ gitBaseUrl: `file://${root}`, logLevel: 'trace' });
  try {
    const url = await s.server.listen();
    await s.server.ready; // the demo model is in place
    const create = (name: string) =>
      fetch(`${url}/mistral/v1/fine_tuning/jobs`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'selftune-tiny', training_files: [], hyperparameters: { training_steps: 2 }, auto_start: false, repositories: [{ type: 'github', owner: 'acme', name, token: TOKEN }] }),
      });
    const missing = await create('missing');
    assert.equal(missing.status, 400);
    assert.ok(!(await missing.text()).includes(TOKEN));
    const ok = await create('snippets');
    const job = (await ok.json()) as { id: string };
    assert.equal(ok.status, 200, JSON.stringify(job));
    const shown = await waitUntil(async () => {
      const res = await (await fetch(`${url}/mistral/v1/fine_tuning/jobs/${job.id}`, { headers: { authorization: 'Bearer test-key' } })).text();
      return /"status":"(VALIDATED|FAILED_VALIDATION)"/.test(res) && res;
    }, { timeoutMs: SHORT_WAIT_MS * 5, what: 'validation to clone the repository' });
    assert.match(shown, /"status":"VALIDATED"/);
    assert.ok(!shown.includes(TOKEN));
    assert.ok(s.log().length > 0, 'the log was captured');
    assert.ok(!s.log().includes(TOKEN), 'the token is not in the log');
    assert.ok(!s.log().includes(Buffer.from(`x-access-token:${TOKEN}`).toString('base64')), 'nor its header form');
    assert.equal((await stat(join(s.dataDir, 'secret.key'))).mode & 0o777, 0o600);
  } finally {
    await s.close();
    await rm(root, { recursive: true, force: true });
  }
});
