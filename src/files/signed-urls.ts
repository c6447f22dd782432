import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appError } from '../errors/app-error.ts';

const SECRET_FILE = 'url-signing.key';

const forbidden = (message: string) => appError('invalid_signature', message);

/**
 * Time-limited download links that work without an API key: the link carries
 * the organization, the expiry and an HMAC over both and the file id. The
 * secret is made once per data directory and kept in it.
 */
export class SignedUrls {
  private secret: Promise<Buffer> | null = null;

  constructor(private readonly dataDir: string) {}

  private key(): Promise<Buffer> {
    this.secret ??= (async () => {
      const path = join(this.dataDir, SECRET_FILE);
      const existing = await readFile(path).catch(() => null);
      if (existing?.length === 32) return existing;
      const secret = randomBytes(32);
      await writeFile(path, secret, { mode: 0o600 });
      return secret;
    })();
    return this.secret;
  }

  private async mac(orgId: string, fileId: string, expires: number): Promise<string> {
    return createHmac('sha256', await this.key()).update(`${orgId}\n${fileId}\n${expires}`).digest('hex');
  }

  /** Query string for `GET …/files/{id}/content`, valid until `expiresAtSeconds`. */
  async sign(orgId: string, fileId: string, expiresAtSeconds: number): Promise<string> {
    const signature = await this.mac(orgId, fileId, expiresAtSeconds);
    return new URLSearchParams({ org: orgId, expires: String(expiresAtSeconds), signature }).toString();
  }

  /** The organization the link was made for; throws 403 when tampered with or expired. */
  async verify(fileId: string, query: Record<string, unknown>, nowMs: number): Promise<string> {
    const { org, expires, signature } = query as { org?: string; expires?: string; signature?: string };
    if (typeof org !== 'string' || typeof expires !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(expires)) {
      throw forbidden('The signed URL is incomplete.');
    }
    const expected = Buffer.from(await this.mac(org, fileId, Number(expires)));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw forbidden('The signed URL signature does not match.');
    if (Number(expires) * 1000 < nowMs) throw forbidden('The signed URL has expired.');
    return org;
  }
}
