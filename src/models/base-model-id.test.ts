import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseModelIdProblem, parseBaseModelId } from './base-model-id.ts';

test('base model ids are NAME or ORG/NAME and never leave the models folder', () => {
  assert.deepEqual(parseBaseModelId('Qwen/Qwen2.5-0.5B-Instruct')?.segments, ['Qwen', 'Qwen2.5-0.5B-Instruct']);
  assert.deepEqual(parseBaseModelId('selftune-tiny')?.segments, ['selftune-tiny']);
  assert.deepEqual(parseBaseModelId('gpt2')?.segments, ['gpt2']);
  for (const bad of ['', '..', '.hidden', 'a/..', '../a', 'a/b/c', '/a', 'a/', 'a//b', 'a\\\\b', 'a b', 'ft:a:b', 'a..b', 'x'.repeat(97)]) {
    assert.equal(parseBaseModelId(bad), null, bad);
    assert.match(baseModelIdProblem(bad)!, /is not a model id/);
  }
  assert.equal(baseModelIdProblem('org/name'), null);
});
