import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartPolicy } from './restart-policy.ts';

test('a first crash restarts at once, repeated crashes back off, a stable run resets the count', () => {
  const p = new RestartPolicy();
  assert.deepEqual([1, 2, 3, 4].map(() => p.exited(true, 1000)), [0, 500, 1000, 2000]);
  for (let i = 0; i < 20; i++) p.exited(true, 1000);
  assert.equal(p.exited(true, 1000), 30_000, 'the delay is capped');
  assert.equal(p.exited(true, 60_000), 0, 'a minute up: the next crash counts as a first one');
});

test('a worker that never gets ready is given up after three tries, then tried afresh', () => {
  const p = new RestartPolicy();
  assert.deepEqual([p.exited(false, 0), p.exited(false, 0), p.exited(false, 0)], [0, 500, null]);
  assert.equal(p.exited(false, 0), 0);
});
