import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { appError } from '../errors/app-error.ts';
import type { PublicUrl } from '../server/http/public-url.ts';

const SECRET_NAME = 'url-signing';
/** Where data directories made before the secret moved to the database kept it; adopted so their links stay valid. */
const LEGACY_SECRET_FILE = 'url-signing.key';

const forbidden = (message: string) => appError('invalid_signature', message);

/**
 * Time-limited download links that work without an API key: the link carries
 * the project, the expiry and an HMAC over both and the file id. The
 * secret lives in the database, so a link made by one server works on every
 * server of the deployment; the first to need it creates it, insert-if-absent,
 * so servers starting together still agree on one.
 */
export class SignedUrls {
  private secret: Promise<Buffer> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dataDir: string,
    /** Where links point: the configured public address, never the request's Host header. */
    readonly publicUrl: PublicUrl,
  ) {}

  private key(): Promise<Buffer> {
    this.secret ??= this.loadKey().catch((err: unknown) => {
      this.secret = null; // a database that was briefly unreachable is asked again next time
      throw err;
    });
    return this.secret;
  }

  private async loadKey(): Promise<Buffer> {
    const legacy = await readFile(join(this.dataDir, LEGACY_SECRET_FILE)).catch(() => null);
    const candidate = legacy?.length === 32 ? legacy : randomBytes(32);
    await this.db.insertInto('server_secrets').values({ name: SECRET_NAME, value: candidate.toString('hex') })
      .onConflict((oc) => oc.column('name').doNothing()).execute();
    const row = await this.db.selectFrom('server_secrets').select('value').where('name', '=', SECRET_NAME).executeTakeFirstOrThrow();
    return Buffer.from(row.value, 'hex');
  }

  private async mac(projectId: string, fileId: string, expires: number): Promise<string> {
    return createHmac('sha256', await this.key()).update(`${projectId}\n${fileId}\n${expires}`).digest('hex');
  }

  /** Query string for `GET …/files/{id}/content`, valid until `expiresAtSeconds`. */
  async sign(projectId: string, fileId: string, expiresAtSeconds: number): Promise<string> {
    const signature = await this.mac(projectId, fileId, expiresAtSeconds);
    return new URLSearchParams({ project: projectId, expires: String(expiresAtSeconds), signature }).toString();
  }

  /** The full link to `contentPath` (the file's download route), valid until `expiresAtSeconds`. */
  async link(contentPath: string, projectId: string, fileId: string, expiresAtSeconds: number): Promise<string> {
    return this.publicUrl.resolve(`${contentPath}?${await this.sign(projectId, fileId, expiresAtSeconds)}`);
  }

  /** The project the link was made for; throws 403 when tampered with or expired. */
  async verify(fileId: string, query: Record<string, unknown>, nowMs: number): Promise<string> {
    const { project, expires, signature } = query as { project?: string; expires?: string; signature?: string };
    if (typeof project !== 'string' || typeof expires !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(expires)) {
      throw forbidden('The signed URL is incomplete.');
    }
    const expected = Buffer.from(await this.mac(project, fileId, Number(expires)));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw forbidden('The signed URL signature does not match.');
    if (Number(expires) * 1000 < nowMs) throw forbidden('The signed URL has expired.');
    return project;
  }
}
