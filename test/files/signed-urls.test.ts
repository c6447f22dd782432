import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SignedUrls } from '../../src/files/signed-urls.ts';
import { PublicUrl } from '../../src/server/http/public-url.ts';
import { BACKENDS, openTestStore } from '../helpers/backends.ts';
import { tempDir } from '../helpers/server.ts';

// The signing secret lives in the database: servers with different data
// directories on one database sign and verify each other's links.

const NOW_MS = 1_750_000_000_000;
const EXPIRES = NOW_MS / 1000 + 3600;
const LINKS_TO = new PublicUrl('https://tune.example.com', 8080);
const query = (signed: string) => Object.fromEntries(new URLSearchParams(signed));

for (const backend of BACKENDS) {
  test(`${backend}: servers starting together agree on one secret, so a link signed by one verifies on the others`, async () => {
    const t = await openTestStore(backend);
    const dirs = await Promise.all([1, 2, 3].map(() => tempDir('signing')));
    try {
      const servers = dirs.map((dir) => new SignedUrls(t.store.db, dir, LINKS_TO));
      const links = await Promise.all(servers.map((s) => s.sign('org-a', 'file-1', EXPIRES))); // each creates the secret if absent, at once
      assert.equal(new Set(links).size, 1);
      for (const s of servers) assert.equal(await s.verify('file-1', query(links[0]!), NOW_MS), 'org-a');
      await assert.rejects(servers[1]!.verify('file-2', query(links[0]!), NOW_MS), /signature does not match/);
      const rows = await t.store.db.selectFrom('server_secrets').selectAll().execute();
      assert.equal(rows.length, 1);
    } finally {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
      await t.drop();
    }
  });
}

test('a data directory from before keeps its links valid: its secret file is adopted when the database has none', async () => {
  const t = await openTestStore('sqlite');
  const dir = await tempDir('signing-legacy');
  try {
    const legacy = randomBytes(32);
    await writeFile(join(dir, 'url-signing.key'), legacy);
    const signed = await new SignedUrls(t.store.db, dir, LINKS_TO).sign('org-a', 'file-1', EXPIRES);
    const row = await t.store.db.selectFrom('server_secrets').select('value').executeTakeFirstOrThrow();
    assert.equal(row.value, legacy.toString('hex'));
    assert.equal(await new SignedUrls(t.store.db, await tempDir('signing-other'), LINKS_TO).verify('file-1', query(signed), NOW_MS), 'org-a');
  } finally {
    await rm(dir, { recursive: true, force: true });
    await t.drop();
  }
});
