import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Marks a stored value as sealed; anything without it is a plaintext value stored before sealing existed. */
const PREFIX = 'sealed:v1:';

/**
 * Secrets at rest (W&B API keys, git tokens): AES-256-GCM with the server key,
 * a fresh 96-bit nonce per value, stored as `sealed:v1:<nonce>.<tag>.<ciphertext>`
 * (base64url). Records carry secrets in their stored form; only the code that
 * uses one (the git clone, the trainer's environment) opens it.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  /** The stored form of `plain`; a value already sealed is kept as it is. */
  seal(plain: string): string {
    if (isSealed(plain)) return plain;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${[nonce, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')}`;
  }

  /** The secret itself; a plaintext value from before sealing is returned as it is. Throws when sealed with another key. */
  open(stored: string): string {
    if (!isSealed(stored)) return stored;
    const [nonce, tag, body] = stored.slice(PREFIX.length).split('.').map((p) => Buffer.from(p, 'base64url'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, nonce!);
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('A stored secret cannot be opened with this server\'s key (SELFTUNE_SECRET_KEY differs from the one that sealed it).');
    }
  }
}

export const isSealed = (value: string) => value.startsWith(PREFIX);
