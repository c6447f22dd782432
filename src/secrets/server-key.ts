import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { SecretBox } from './secret-box.ts';

const KEY_FILE = 'secret.key';
const KEY_ROW = 'secrets-at-rest';

export interface ServerKeySource {
  /** SELFTUNE_SECRET_KEY (64 hex digits), or null. */
  configured: string | null;
  dataDir: string;
  /** Records live in Postgres, shared by replicas with their own data directories. */
  sharedDatabase: boolean;
}

/**
 * The key secrets are sealed with: SELFTUNE_SECRET_KEY when set. Otherwise,
 * with SQLite, `<data-dir>/secret.key` (created 0600 on first start); with
 * Postgres, one key kept in the database for every replica (insert-if-absent),
 * in which case `warning` says that a copy of the database then holds it too.
 */
export async function openSecretBox(source: ServerKeySource, db: Kysely<Database>): Promise<{ box: SecretBox; warning: string | null }> {
  if (source.configured) return { box: new SecretBox(Buffer.from(source.configured, 'hex')), warning: null };
  if (!source.sharedDatabase) return { box: new SecretBox(await keyFile(join(source.dataDir, KEY_FILE))), warning: null };
  await db.insertInto('server_secrets').values({ name: KEY_ROW, value: randomBytes(32).toString('hex') })
    .onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', KEY_ROW).executeTakeFirstOrThrow();
  const warning = 'SELFTUNE_SECRET_KEY is not set: W&B keys and git tokens are encrypted with a key kept in the database itself; set SELFTUNE_SECRET_KEY (the same on every replica) so a copy of the database alone does not reveal them.';
  return { box: new SecretBox(Buffer.from(row.value, 'hex')), warning };
}

/** The key in `path`, made (readable by this user only) when there is none. */
async function keyFile(path: string): Promise<Buffer> {
  const existing = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (existing !== null) return Buffer.from(existing.trim(), 'hex');
  const key = randomBytes(32);
  try {
    await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return keyFile(path); // made by a racing start
    throw err;
  }
}
