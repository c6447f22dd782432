import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoBatchSize, autoDpoEpochs, autoEpochs, resolveHyperparameters, stepsFor } from './hyperparameters.ts';

test('auto epochs: small sets see at least 1000 examples, huge ones about 25k', () => {
  assert.equal(autoEpochs(24), 42); // 24×3 < 1000 → ceil(1000/24)
  assert.equal(autoEpochs(100), 10);
  assert.equal(autoEpochs(2), 50); // capped at 50
  assert.equal(autoEpochs(200), 5);
  assert.equal(autoEpochs(334), 3);
  assert.equal(autoEpochs(400, 'classifier'), 10); // one label per target, not every token: 4000 seen
  assert.equal(autoEpochs(1334, 'classifier'), 3);
  assert.equal(autoEpochs(20000, 'classifier'), 1);
  assert.equal(autoEpochs(500), 3);
  assert.equal(autoEpochs(20000), 1); // floor(25000/20000)
  for (const n of [10, 24, 50, 100, 199, 200, 1000, 8333, 8334, 100_000]) {
    const seen = n * autoEpochs(n);
    assert.ok(seen >= Math.min(1000, n * 50) && seen <= Math.max(n * 3, 1000 + n, 25_000) && (n * 3 <= 25_000 || seen <= Math.max(n, 25_000)), `${n} examples → ${seen} seen`);
  }
});

test('auto batch size grows with the data', () => {
  assert.equal(autoBatchSize(24), 1);
  assert.equal(autoBatchSize(128), 2);
  assert.equal(autoBatchSize(1000), 8);
  assert.equal(autoBatchSize(1_000_000), 32);
});

test('explicit values win and training_steps sets fractional epochs', () => {
  const r = resolveHyperparameters(
    { n_epochs: 'auto', batch_size: 4, learning_rate_multiplier: 'auto', training_steps: 9 },
    { nExamples: 24, defaultSeqLen: 512, jobType: 'completion' as const },
  );
  assert.equal(r.batch_size, 4);
  assert.equal(r.learning_rate_multiplier, 2);
  assert.equal(r.n_epochs, 1.5); // 9 steps of 6 per epoch
  assert.equal(stepsFor(r, 24), 9);
  const plain = resolveHyperparameters(
    { n_epochs: 3, batch_size: 'auto', learning_rate_multiplier: 0.5 },
    { nExamples: 24, defaultSeqLen: 512, jobType: 'completion' as const },
  );
  assert.deepEqual([plain.n_epochs, plain.batch_size, plain.learning_rate_multiplier], [3, 1, 0.5]);
  assert.equal(stepsFor(plain, 24), 72);
});

test('warm-up: 10% of the steps unless the request sets it (Mistral always does)', () => {
  const ctx = { nExamples: 24, defaultSeqLen: 512, jobType: 'completion' as const };
  assert.equal(resolveHyperparameters({ n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' }, ctx).warmup_fraction, 0.1);
  assert.equal(resolveHyperparameters({ n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto', warmup_fraction: 0 }, ctx).warmup_fraction, 0);
});

test('DPO: beta 0.1 when auto, 3 passes at most, a tenth of the supervised learning rate', () => {
  const ctx = { nExamples: 24, defaultSeqLen: 512, jobType: 'completion' as const, method: 'dpo' as const };
  const auto = resolveHyperparameters({ n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto', beta: 'auto' }, ctx);
  assert.deepEqual([auto.beta, auto.n_epochs, auto.batch_size, auto.learning_rate_multiplier], [0.1, 3, 1, 0.1]);
  const given = resolveHyperparameters({ n_epochs: 'auto', batch_size: 16, learning_rate_multiplier: 'auto', beta: 0.25 }, { ...ctx, nExamples: 20000 });
  assert.deepEqual([given.beta, given.n_epochs, given.learning_rate_multiplier], [0.25, 1, 0.4]);
  assert.deepEqual([autoDpoEpochs(2), autoDpoEpochs(8333), autoDpoEpochs(9000)], [3, 3, 2]);
  // No beta given: DPO's default. A supervised job never reports one, nor takes DPO's rules.
  assert.equal(resolveHyperparameters({ n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' }, ctx).beta, 0.1);
  const supervised = resolveHyperparameters({ n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' }, { ...ctx, method: 'supervised' });
  assert.deepEqual(['beta' in supervised, supervised.learning_rate_multiplier], [false, 1]);
});
