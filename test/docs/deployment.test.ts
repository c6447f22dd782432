import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_ENV_NAMES } from '../../src/config/config.ts';
import { repoRoot } from '../../src/config/paths.ts';

// The deployment guide's configuration table must list every setting the
// server reads, so that a new setting cannot be added without documenting it.

test('the deployment guide\'s configuration table lists every environment variable of the config', async () => {
  const guide = await readFile(join(repoRoot, 'docs/deployment.md'), 'utf8');
  const table = guide.slice(guide.indexOf('## Configuration'));
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  const documented = new Set(rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)));
  const missing = Object.values(CONFIG_ENV_NAMES).filter((name) => !documented.has(name));
  assert.deepEqual(missing, [], `settings missing from docs/deployment.md: ${missing.join(', ')}`);
});
