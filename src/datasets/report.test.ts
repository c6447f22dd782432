import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datasetError, validateDataset, type DatasetReport } from './index.ts';
import { chat, goodChat, jsonl, tempFile, user } from './testutil.ts';

const opts = { fileId: 'file-abc', param: 'training_file', minExamples: 10 } as const;

/** Lines 2, 5, 9 bad (role, no assistant, not JSON); the other 7 fine. */
async function threeBad(): Promise<DatasetReport> {
  const rows: unknown[] = Array.from({ length: 10 }, () => goodChat());
  rows[1] = chat(user(), { role: 'bot', content: 'x' });
  rows[4] = chat(user());
  rows[8] = 'foo bar';
  return validateDataset(await tempFile(jsonl(rows)), { expect: 'supervised' });
}

test('invalid_file_format names each bad line and what is wrong', async () => {
  const err = datasetError(await threeBad(), opts);
  assert.deepEqual(err, {
    code: 'invalid_file_format',
    param: 'training_file',
    message:
      "The job failed due to an invalid training file. 3 line(s) are invalid: line 2: messages[1].role: unrecognized role 'bot' (expected system, user, assistant, tool); line 5: example has no assistant message; line 9: not valid JSON.",
  });
});

test('beyond shownIssues the message ends with "and K more"', async () => {
  const err = datasetError(await threeBad(), { ...opts, shownIssues: 1 });
  assert.match(err!.message, /3 line\(s\) are invalid: line 2: .*\(expected system, user, assistant, tool\); and 2 more\.$/);
  assert.doesNotMatch(err!.message, /line 5/);
  const none = datasetError(await threeBad(), { ...opts, shownIssues: 0 });
  assert.match(none!.message, /3 line\(s\) are invalid: and 3 more\.$/);
});

test('"and K more" counts issues the report did not keep (maxIssues)', async () => {
  const rows = Array.from({ length: 40 }, () => chat(user()));
  const report = await validateDataset(await tempFile(jsonl(rows)), { expect: 'supervised', maxIssues: 2 });
  const err = datasetError(report, { ...opts, shownIssues: 5 });
  assert.match(err!.message, /40 line\(s\) are invalid: line 1: example has no assistant message; line 2: example has no assistant message; and 38 more\.$/);
});

test('a validation file says so, with param validation_file', async () => {
  const err = datasetError(await threeBad(), { ...opts, param: 'validation_file' });
  assert.equal(err?.param, 'validation_file');
  assert.match(err!.message, /^The job failed due to an invalid validation file\. /);
});

test('invalid_n_examples when the file is valid but too small', async () => {
  const report = await validateDataset(await tempFile(jsonl([goodChat(), goodChat(), goodChat()])), { expect: 'supervised' });
  assert.deepEqual(datasetError(report, opts), {
    code: 'invalid_n_examples',
    message: 'Training file has 3 example(s), but must have at least 10 examples',
    param: 'training_file',
  });
  assert.equal(datasetError(report, { ...opts, param: 'validation_file', minExamples: 5 })?.message, 'Validation file has 3 example(s), but must have at least 5 examples');
});

test('null when the file is fine; format errors win over a low count', async () => {
  const good = await validateDataset(await tempFile(jsonl(Array.from({ length: 10 }, goodChat))), { expect: 'supervised' });
  assert.equal(datasetError(good, opts), null);
  assert.equal(datasetError(good, { ...opts, minExamples: 11 })?.code, 'invalid_n_examples');
  const bad = await validateDataset(await tempFile(jsonl([goodChat(), 'x'])), { expect: 'supervised' });
  assert.equal(datasetError(bad, opts)?.code, 'invalid_file_format');
});
