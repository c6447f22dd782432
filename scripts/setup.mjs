#!/usr/bin/env node
// Installs whatever a fresh clone is missing, and nothing more on later runs:
// npm packages, the trainer's Python environment (.venv) and the demo model.
// Plain Node with no dependencies, because it runs before `npm ci`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
const log = (msg) => console.error(`[setup] ${msg}`);

function ensureNodeModules() {
  const installed = join(root, 'node_modules/.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm packages');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function pythonPath() {
  return process.env.SELFTUNE_PYTHON || join(root, '.venv/bin/python');
}

function ensurePythonEnv() {
  if (process.env.SELFTUNE_PYTHON) return; // an interpreter chosen by the operator is used as is
  const requirements = readFileSync(join(root, 'trainer/requirements.txt'));
  const digest = createHash('sha256').update(requirements).digest('hex');
  const stamp = join(root, '.venv/.requirements-sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  log('creating the trainer environment in .venv (torch, transformers, peft)');
  run('python3', ['-m', 'venv', '.venv']);
  // --retries 0: only the configured package index is reachable; never wait on others.
  run(join(root, '.venv/bin/pip'), ['install', '--retries', '0', '-q', '-r', 'trainer/requirements.txt'],
    { PIP_DISABLE_PIP_VERSION_CHECK: '1' });
  writeFileSync(stamp, digest);
}

function ensureDemoModel() {
  const dir = join(root, '.cache/models/selftune-tiny');
  if (existsSync(join(dir, 'config.json'))) return;
  log('creating the demo model selftune-tiny');
  run(pythonPath(), ['-m', 'selftune_trainer', 'make-tiny-model', '--out', dir],
    { PYTHONPATH: join(root, 'trainer') });
}

// After ensureNodeModules: the build needs esbuild and the web packages.
async function ensureDashboard() {
  const { webIsStale, buildWeb } = await import('./build-web.mjs');
  if (!webIsStale()) return;
  log('building the dashboard into web/dist');
  await buildWeb();
}

ensureNodeModules();
ensurePythonEnv();
ensureDemoModel();
await ensureDashboard();
