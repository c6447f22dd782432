import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/config/paths.ts';
import { isLoopback } from '../../src/server/http/exposure.ts';
import { freePort, tempDir } from '../helpers/server.ts';
import { loggedServer } from './edge-server.ts';

// Without any API key every caller is an admin: such a server serves loopback
// only, says so, and refuses another address unless told to on purpose.

const ADMIN_KEY = 'sk-admin-secure-defaults-0123456789';

test('loopback addresses are told apart from the rest', () => {
  for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopback(host), host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '::ffff:10.0.0.1', '']) assert.ok(!isLoopback(host), host);
});

test('`selftune serve --host 0.0.0.0` without keys refuses to start and names the fix', async () => {
  const dataDir = await tempDir('no-keys');
  try {
    const env = { ...process.env, SELFTUNE_ADMIN_KEY: '', SELFTUNE_API_KEYS: '', SELFTUNE_ALLOW_NO_AUTH: '', SELFTUNE_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [join(repoRoot, 'bin/selftune.mjs'), 'serve', '--host', '0.0.0.0', '--port', String(await freePort()), '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1, output);
    assert.match(output, /Refusing to listen on 0\.0\.0\.0 without API keys/);
    assert.match(output, /SELFTUNE_ADMIN_KEY/);
    assert.match(output, /SELFTUNE_ALLOW_NO_AUTH=true \(selftune serve --allow-no-auth\)/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('without keys on loopback it starts and says it serves loopback only', async () => {
  const s = await loggedServer({ host: '127.0.0.1' });
  try {
    const address = await s.server.listen();
    assert.ok([200, 503].includes((await fetch(`${address}/health`)).status));
    assert.match(s.log(), /No API key is configured: serving on loopback \(127\.0\.0\.1\) only/);
  } finally {
    await s.close();
  }
});

test('with an admin key it starts on every address (and warns that signed URLs need SELFTUNE_PUBLIC_URL)', async () => {
  const s = await loggedServer({ host: '0.0.0.0', adminKey: ADMIN_KEY });
  try {
    const address = await s.server.listen();
    const port = new URL(address).port;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.ok(health.status === 200 || health.status === 503);
    assert.doesNotMatch(s.log(), /WITHOUT API KEYS/);
    assert.match(s.log(), /SELFTUNE_PUBLIC_URL is not set/);
    const refused = await fetch(`http://127.0.0.1:${port}/v1/files`);
    assert.equal(refused.status, 401);
  } finally {
    await s.close();
  }
});

test('with SELFTUNE_ALLOW_NO_AUTH it starts on every address and warns loudly', async () => {
  const s = await loggedServer({ host: '0.0.0.0', allowNoAuth: 'true', publicUrl: 'https://tune.example.com' });
  try {
    await s.server.listen();
    assert.match(s.log(), /SERVING WITHOUT API KEYS ON 0\.0\.0\.0 \(SELFTUNE_ALLOW_NO_AUTH\)/);
    assert.match(s.log(), /"level":40/, 'logged as a warning');
    assert.doesNotMatch(s.log(), /SELFTUNE_PUBLIC_URL is not set/);
  } finally {
    await s.close();
  }
});
