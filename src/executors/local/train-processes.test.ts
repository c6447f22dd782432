import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainProcesses } from './train-processes.ts';

test('a configured process count wins; otherwise one per GPU in CUDA_VISIBLE_DEVICES, at least one', async () => {
  assert.equal(await trainProcesses(3, { CUDA_VISIBLE_DEVICES: '0' }), 3);
  assert.equal(await trainProcesses(0, { CUDA_VISIBLE_DEVICES: '0,1,2,3' }), 4);
  assert.equal(await trainProcesses(0, { CUDA_VISIBLE_DEVICES: 'GPU-8f0e6b2c-1b2c-4d5e-9f00-0123456789ab,GPU-1a2b' }), 2);
  assert.equal(await trainProcesses(0, { CUDA_VISIBLE_DEVICES: '' }), 1); // every GPU hidden: CPU training
  assert.equal(await trainProcesses(0, { CUDA_VISIBLE_DEVICES: '-1' }), 1);
  assert.equal(await trainProcesses(0, { CUDA_VISIBLE_DEVICES: '0,1,-1,2' }), 2); // CUDA ignores everything from an invalid entry on
});
