import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GIVE_UP_AFTER_MS, givesUp, MAX_GAP_MS, retryGapMs } from './retry-schedule.ts';

const BASE = { baseMs: 5_000 };

test('gaps double from the base, jittered ±25 %, capped at an hour', () => {
  const middle = { ...BASE, random: () => 0.5 };
  assert.deepEqual([1, 2, 3, 4].map((n) => retryGapMs(n, middle)), [5_000, 10_000, 20_000, 40_000]);
  assert.equal(retryGapMs(1, { ...BASE, random: () => 0 }), 3_750);
  assert.equal(retryGapMs(1, { ...BASE, random: () => 0.9999 }), 6_250);
  assert.equal(retryGapMs(11, middle), MAX_GAP_MS);
  assert.equal(retryGapMs(500, { ...BASE, random: () => 0.9999 }), MAX_GAP_MS, 'no overflow, never past the cap');
});

test('a delivery that keeps failing is tried for a day: 34 attempts on the default schedule', () => {
  const middle = { ...BASE, random: () => 0.5 };
  let now = 0;
  let attempts = 0;
  for (;;) {
    attempts++; // this attempt fails
    if (givesUp(0, now)) break;
    now += retryGapMs(attempts, middle);
  }
  assert.equal(attempts, 34);
  assert.ok(now >= GIVE_UP_AFTER_MS && now < GIVE_UP_AFTER_MS + MAX_GAP_MS);
});
