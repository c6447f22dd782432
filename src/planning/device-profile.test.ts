import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { trainerDir } from '../config/paths.ts';
import { type DeviceProfile, DeviceProfiles } from './device-profile.ts';

// SELFTUNE_DEVICE_PROFILE: a data directory without a profile starts from the
// given one instead of running the probe. The interpreter here does not exist,
// so any attempt to probe would fail the test.

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'selftune-profile-'));
});
after(() => rm(root, { recursive: true, force: true }));

const run = { parameters: 1, seq_len: 16, steps: 1, seconds: 1, seconds_per_step: 1, tokens_per_second: 16, flops_per_token: 6 };
const measured: DeviceProfile = {
  device: 'cpu', name: 'test cpu', count: 1, memory_bytes: 8e9, runtime_baseline_bytes: 3e8, bf16: false, dtype: 'float32', threads: 2,
  torch: '2', startup_seconds: 5, reference: run, overhead_reference: run, flops_per_second: 5e10, layer_step_seconds: 0.002, measured_at: 1, jobs: {},
};

const profiles = (dataDir: string, seedPath: string | null) =>
  new DeviceProfiles({ python: join(root, 'no-such-python'), trainerDir, dataDir, memoryOverride: null, seedPath, nowMs: () => 2 });

test('a data directory without a profile starts from SELFTUNE_DEVICE_PROFILE, and refines its own copy', async () => {
  const seed = join(root, 'shared.json');
  await writeFile(seed, JSON.stringify(measured));
  const dataDir = await mkdtemp(join(root, 'data-'));
  const p = profiles(dataDir, seed);
  assert.deepEqual(await p.get(), measured);
  await p.refine('completion/full/1e6', 'job-1', { flopsPerSecond: 1e10, overheadSeconds: 2, startSeconds: 3 });
  const own = JSON.parse(await readFile(join(dataDir, 'device-profile.json'), 'utf8')) as DeviceProfile;
  assert.equal(own.jobs['completion/full/1e6']?.last_job, 'job-1');
  assert.deepEqual(JSON.parse(await readFile(seed, 'utf8')), measured, 'the shared profile is never written');
  // A second server over the same directory reads its copy, refinements included.
  assert.equal((await profiles(dataDir, seed).get()).jobs['completion/full/1e6']?.jobs, 1);
});

test('an unusable SELFTUNE_DEVICE_PROFILE is an error naming the setting, not a silent probe', async () => {
  const dataDir = await mkdtemp(join(root, 'data-'));
  const missing = join(root, 'missing.json');
  await assert.rejects(profiles(dataDir, missing).get(), (err: Error) => err.message.includes(`SELFTUNE_DEVICE_PROFILE=${missing}`));
  const empty = join(root, 'empty.json');
  await writeFile(empty, JSON.stringify({ ...measured, flops_per_second: 0 }));
  await assert.rejects(profiles(dataDir, empty).get(), /SELFTUNE_DEVICE_PROFILE=.*flops_per_second/);
});

test('without the setting a data directory probes the device', async () => {
  const dataDir = await mkdtemp(join(root, 'data-'));
  await assert.rejects(profiles(dataDir, null).get(), /no-such-python/, 'it tried to start the probe');
});
