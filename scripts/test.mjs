#!/usr/bin/env node
// Runs every test: the trainer's pytest suite, then the TypeScript suites
// (unit tests beside the code, integration tests in test/) with node's runner.
// `node scripts/test.mjs [path-filter...]` runs only the TS files matching a filter.
// The device is measured once for the whole run (SELFTUNE_DEVICE_PROFILE), not by every test server.
// SELFTUNE_TEST_CPU_HOG=N runs N CPU-heavy processes alongside, to check the suite on a busy machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCpuHog } from './cpu-hog.mjs';

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

/**
 * Runs the device probe once into a temporary `device-profile.json` that every test server starts
 * from, instead of each fresh data directory paying a Python start and a benchmark. Returns the
 * environment to pass on (nothing when the caller set SELFTUNE_DEVICE_PROFILE, or the probe failed:
 * then each server probes for itself).
 */
function measureDeviceOnce() {
  if (process.env.SELFTUNE_DEVICE_PROFILE) return { env: {}, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'selftune-test-device-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const probe = `
    import { loadConfig } from './src/config/config.ts';
    import { trainerDir } from './src/config/paths.ts';
    import { DeviceProfiles } from './src/planning/device-profile.ts';
    const { python } = loadConfig({ dataDir: ${JSON.stringify(dir)} });
    await new DeviceProfiles({ python, trainerDir, dataDir: ${JSON.stringify(dir)}, memoryOverride: null, seedPath: null, nowMs: Date.now }).get();`;
  if (run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe]) !== 0) {
    console.error('[test] the device probe failed; every test server will probe for itself');
    cleanup();
    return { env: {}, cleanup: () => {} };
  }
  return { env: { SELFTUNE_DEVICE_PROFILE: join(dir, 'device-profile.json') }, cleanup };
}

ensureChromium();
const hogs = Number(process.env.SELFTUNE_TEST_CPU_HOG || 0);
const stopHog = hogs > 0 ? startCpuHog(hogs) : () => {};
let failed = 0;
if (filters.length === 0 && !process.env.SELFTUNE_SKIP_PYTEST) {
  const python = process.env.SELFTUNE_PYTHON || join(root, '.venv/bin/python');
  failed += run(python, ['-m', 'pytest', '-q', 'trainer/tests'], { PYTHONPATH: join(root, 'trainer') }) ? 1 : 0;
}
const files = ['src', 'test'].flatMap((d) => findTests(join(root, d)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const device = measureDeviceOnce();
// Integration tests train real models; two at once is what two cores allow.
failed += run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], device.env) ? 1 : 0;
device.cleanup();
stopHog();
process.exit(failed ? 1 : 0);
