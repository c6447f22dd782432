#!/usr/bin/env node
// Runs every test: the trainer's pytest suite, then the TypeScript suites
// (unit tests beside the code, integration tests in test/) with node's runner.
// `node scripts/test.mjs [path-filter...]` runs only the TS files matching a filter.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

/** The dashboard's browser tests drive Debian's Chromium (never a downloaded browser). */
function ensureChromium() {
  if (process.env.SELFTUNE_CHROMIUM || existsSync('/usr/bin/chromium')) return;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  console.error('[test] installing Chromium from Debian for the dashboard tests');
  const apt = (...args) => run(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], { DEBIAN_FRONTEND: 'noninteractive' });
  if (apt('update', '-qq') || apt('install', '-y', '-qq', 'chromium')) {
    console.error('[test] could not install Chromium; install the Debian package `chromium` or set SELFTUNE_CHROMIUM');
    process.exit(1);
  }
}

ensureChromium();
let failed = 0;
if (filters.length === 0 && !process.env.SELFTUNE_SKIP_PYTEST) {
  const python = process.env.SELFTUNE_PYTHON || join(root, '.venv/bin/python');
  failed += run(python, ['-m', 'pytest', '-q', 'trainer/tests'], { PYTHONPATH: join(root, 'trainer') }) ? 1 : 0;
}
const files = ['src', 'test'].flatMap((d) => findTests(join(root, d)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
// Integration tests train real models; two at once is what two cores allow.
failed += run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files]) ? 1 : 0;
process.exit(failed ? 1 : 0);
