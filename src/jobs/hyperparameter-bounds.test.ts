import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BoundedSetting, boundedNumber, HYPERPARAMETER_BOUNDS } from './hyperparameter-bounds.ts';

test('every setting takes its range, ends included, and refuses what lies beyond', () => {
  for (const [name, b] of Object.entries(HYPERPARAMETER_BOUNDS) as Array<[BoundedSetting, (typeof HYPERPARAMETER_BOUNDS)[BoundedSetting]]>) {
    const schema = boundedNumber(name);
    const ok = (v: number) => schema.safeParse(v).success;
    const exclusive = 'exclusiveMin' in b && b.exclusiveMin;
    assert.ok(ok(b.max), `${name}: ${b.max} accepted`);
    assert.equal(ok(b.min), !exclusive, `${name}: ${b.min} ${exclusive ? 'refused' : 'accepted'}`);
    for (const beyond of [b.max + (('integer' in b && b.integer) ? 1 : b.max * 1e-9), 1e308, Number.MAX_SAFE_INTEGER, Infinity, NaN]) {
      assert.ok(!ok(beyond), `${name}: ${beyond} refused`);
    }
    assert.ok(!ok(b.min - 1), `${name}: below the range refused`);
    if ('integer' in b && b.integer) assert.ok(!ok(b.min + 0.5), `${name}: a fraction refused`);
    const refusal = schema.safeParse(b.max * 2 + 1);
    assert.match(refusal.error!.issues[0]!.message, new RegExp(`at most ${b.max}$`));
  }
});
