import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_ENV_NAMES, loadConfig } from './config.ts';
import { repoRoot } from './paths.ts';

test('every setting is documented in the README', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const missing = Object.values(CONFIG_ENV_NAMES).filter((name) => !readme.includes(`\`${name}\``));
  assert.deepEqual(missing, []);
});

test('invalid settings are all listed at once, by their variable names', () => {
  assert.throws(
    () => loadConfig({}, { PORT: 'eighty', SELFTUNE_MAX_CONCURRENT_JOBS: '0' }),
    (err: Error) => /PORT: /.test(err.message) && /SELFTUNE_MAX_CONCURRENT_JOBS: /.test(err.message),
  );
  const config = loadConfig({ port: 9000 }, { PORT: '1234', SELFTUNE_API_KEYS: 'a, b,' });
  assert.equal(config.port, 9000, 'flags win over the environment');
  assert.deepEqual(config.apiKeys, ['a', 'b']);
  assert.ok(Object.isFrozen(config));
});

test('a Ray cluster needs object storage', () => {
  assert.throws(() => loadConfig({}, { SELFTUNE_RAY_ADDRESS: '127.0.0.1:6380' }), /SELFTUNE_RAY_ADDRESS: needs SELFTUNE_BLOB_URL/);
  const config = loadConfig({}, { SELFTUNE_RAY_ADDRESS: '127.0.0.1:6380', SELFTUNE_BLOB_URL: 's3://bucket/prefix' });
  assert.equal(config.rayAddress, '127.0.0.1:6380');
});
