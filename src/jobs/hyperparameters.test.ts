import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoBatchSize, autoEpochs, resolveHyperparameters, stepsFor } from './hyperparameters.ts';

test('auto epochs follow the documented rule', () => {
  assert.equal(autoEpochs(24), 4); // 24×3 < 100 → floor(100/24)
  assert.equal(autoEpochs(2), 25); // capped at 25
  assert.equal(autoEpochs(500), 3);
  assert.equal(autoEpochs(20000), 1); // floor(25000/20000)
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
    { nExamples: 24, defaultSeqLen: 512 },
  );
  assert.equal(r.batch_size, 4);
  assert.equal(r.learning_rate_multiplier, 2);
  assert.equal(r.n_epochs, 1.5); // 9 steps of 6 per epoch
  assert.equal(stepsFor(r, 24), 9);
  const plain = resolveHyperparameters(
    { n_epochs: 3, batch_size: 'auto', learning_rate_multiplier: 0.5 },
    { nExamples: 24, defaultSeqLen: 512 },
  );
  assert.deepEqual([plain.n_epochs, plain.batch_size, plain.learning_rate_multiplier], [3, 1, 0.5]);
  assert.equal(stepsFor(plain, 24), 72);
});
