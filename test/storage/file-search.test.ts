import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FileSearch } from '../../src/files/file-search.ts';
import { BACKENDS, openTestStore, type TestStore } from '../helpers/backends.ts';
import { DEFAULT_TENANT } from '../helpers/tenants.ts';

// Mistral's file `search` is a case-insensitive substring match on every backend,
// with `%` and `_` taken literally.

for (const backend of BACKENDS) {
  describe(`file search on ${backend}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      const base = { org_id: 'org-default', purpose: 'fine-tune', bytes: 1, expires_at: null, status: 'processed', status_details: null, blob_key: 'k',
        num_lines: 1, sample_type: 'instruct', source: 'upload', mimetype: null, sha256: '', visibility: null, job_id: null };
      await t.store.db.insertInto('files').values([
        { ...base, id: 'a', filename: 'My_Chat.jsonl', created_at: 3 },
        { ...base, id: 'b', filename: 'my-chat.jsonl', created_at: 2 },
        { ...base, id: 'c', filename: '100%.jsonl', created_at: 1 },
      ]).execute();
    });
    after(() => t.drop());

    test('matches substrings regardless of case, wildcards literal', async () => {
      const search = new FileSearch(t.store.db);
      const ids = async (text: string) => (await search.search({ tenant: DEFAULT_TENANT, page: 0, pageSize: 10, search: text })).files.map((f) => f.id);
      assert.deepEqual(await ids('CHAT'), ['a', 'b']);
      assert.deepEqual(await ids('_chat'), ['a']);
      assert.deepEqual(await ids('%'), ['c']);
      assert.deepEqual(await ids('y-c'), ['b']);
      const page = await search.search({ tenant: DEFAULT_TENANT, page: 1, pageSize: 1, search: 'chat' });
      assert.deepEqual([page.files.map((f) => f.id), page.total], [['b'], 2]);
    });
  });
}
