import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './depth.ts';
import { goodChat, jsonl, tempFile } from './testutil.ts';
import { validateDataset } from './validate.ts';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** A chat example whose tool schema nests `depth` levels in all (the example itself is 5 deep around it). */
const toolWithDepth = (depth: number) =>
  `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":${'{"a":'.repeat(depth - 5)}1${'}'.repeat(depth - 5)}}}}]}`;

test('depth is counted outside strings only, escapes included', () => {
  assert.equal(nestedDeeperThan('{"a":[1,{"b":[]}]}', 3), true);
  assert.equal(nestedDeeperThan('{"a":[1,{"b":[]}]}', 4), false);
  assert.equal(nestedDeeperThan(`{"s":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`, 1), false);
  assert.equal(nestedDeeperThan(nested(1_000_000), 64), true); // a loop: no stack to blow
});

test('a line nested deeper than the limit is refused with its line number; the limit itself passes', async () => {
  const atLimit = toolWithDepth(MAX_JSON_DEPTH);
  assert.equal(nestedDeeperThan(atLimit, MAX_JSON_DEPTH), false);
  assert.equal(nestedDeeperThan(toolWithDepth(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true);
  const rows = [goodChat(), atLimit, `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo","x":${nested(100_000)}}]}`, toolWithDepth(MAX_JSON_DEPTH + 1), goodChat()];
  const report = await validateDataset(await tempFile(jsonl(rows)), { expect: 'supervised' });
  assert.equal(report.examples, 3);
  assert.deepEqual(report.issues, [
    { line: 3, code: 'nested_too_deep', field: null, message: `objects and arrays are nested more than ${MAX_JSON_DEPTH} deep` },
    { line: 4, code: 'nested_too_deep', field: null, message: `objects and arrays are nested more than ${MAX_JSON_DEPTH} deep` },
  ]);
  for (const expect of ['classifier', 'preference'] as const) {
    const r = await validateDataset(await tempFile(jsonl([`{"text":"a","labels":{"t":"x"},"input":${nested(100_000)}}`])), { expect });
    assert.deepEqual(r.issues.map((i) => [i.line, i.code]), [[1, 'nested_too_deep']]);
  }
});
