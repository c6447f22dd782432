import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openAiDuration, stateAfter, unitsToUs, WINDOW_US } from './gcra.ts';

test('OpenAI duration format', () => {
  assert.equal(openAiDuration(0), '0ms');
  assert.equal(openAiDuration(20), '20ms');
  assert.equal(openAiDuration(1000), '1s');
  assert.equal(openAiDuration(1500), '1.5s');
  assert.equal(openAiDuration(360_000), '6m0s');
  assert.equal(openAiDuration(3_723_250), '1h2m3.25s');
});

test('a full bucket leaves limit - 1 after one request; a refused one waits exactly one unit', () => {
  const now = 1_000_000_000;
  const perMinute = 60; // a unit a second
  const one = { cost: 1, need: 1 };
  assert.deepEqual(stateAfter(perMinute, one, { tat: now + unitsToUs(perMinute, 1), allowed: 1 }, now), { limit: 60, remaining: 59, resetMs: 1000, retryAfterMs: null });
  // The bucket is empty: TAT a whole window ahead; the next unit frees in one second.
  const empty = stateAfter(perMinute, one, { tat: now + WINDOW_US, allowed: 0 }, now);
  assert.equal(empty.remaining, 0);
  assert.equal(empty.retryAfterMs, 1000);
  assert.equal(empty.resetMs, 60_000);
});
