import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobEventRow } from '../db/schema.ts';
import { stepMetricsCsv } from './results-file.ts';

const row = (data: object) => ({ data: JSON.stringify(data) }) as JobEventRow;

test("a supervised job's file has OpenAI's five columns", () => {
  const csv = stepMetricsCsv([row({ step: 1, train_loss: 2, train_mean_token_accuracy: 0.5 }), row({ step: 2, train_loss: 1, train_mean_token_accuracy: 0.75, valid_loss: 1.5, valid_mean_token_accuracy: 0.6 })]);
  assert.equal(csv, 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,2.00000,0.50000,,\n2,1.00000,0.75000,1.50000,0.60000\n');
});

test("a DPO job's file adds reward margin and accuracy after them", () => {
  const csv = stepMetricsCsv([
    row({ step: 2, train_loss: 0.5, train_mean_token_accuracy: 0.5, train_reward_margin: 1.25, train_reward_accuracy: 1, valid_loss: 0.6, valid_mean_token_accuracy: 0.4, valid_reward_margin: 0.9, valid_reward_accuracy: 0.75 }),
    row({ step: 1, train_loss: 0.69315, train_mean_token_accuracy: 0.25, train_reward_margin: 0, train_reward_accuracy: 0 }),
  ]).split('\n');
  assert.equal(csv[0], 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,train_reward_margin,train_reward_accuracy,valid_reward_margin,valid_reward_accuracy');
  assert.equal(csv[1], '1,0.69315,0.25000,,,0.00000,0.00000,,');
  assert.equal(csv[2], '2,0.50000,0.50000,0.60000,0.40000,1.25000,1.00000,0.90000,0.75000');
});
