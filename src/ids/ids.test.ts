import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base62ToUuid, newUuid, parseRecordId, randomBase62, toOpenAiId, uuidToBase62 } from './ids.ts';

test('a record has one identity in both id shapes', () => {
  for (let i = 0; i < 200; i++) {
    const uuid = newUuid();
    const openAi = toOpenAiId('job', uuid);
    assert.match(openAi, /^ftjob-[0-9A-Za-z]{24}$/);
    assert.equal(parseRecordId('job', openAi), uuid);
    assert.equal(parseRecordId('job', uuid), uuid);
    assert.equal(base62ToUuid(uuidToBase62(uuid)), uuid);
  }
});

test('ids that are not ours parse to null', () => {
  assert.equal(parseRecordId('job', 'ftjob-short'), null);
  assert.equal(parseRecordId('file', 'ftjob-000000000000000000000001'), null); // wrong prefix
  assert.equal(parseRecordId('file', 'file-zzzzzzzzzzzzzzzzzzzzzzzz'), null); // above 128 bits
  assert.equal(parseRecordId('file', 'file-!!!!!!!!!!!!!!!!!!!!!!!!'), null);
});

test('random base62 has the asked length and alphabet', () => {
  assert.match(randomBase62(8), /^[0-9A-Za-z]{8}$/);
  assert.notEqual(randomBase62(16), randomBase62(16));
});
