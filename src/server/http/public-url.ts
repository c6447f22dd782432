import type { Server } from 'node:http';
import { isWildcard } from './exposure.ts';

/**
 * The address clients reach this server at, for links it hands out (signed
 * file URLs): SELFTUNE_PUBLIC_URL, or else the server's own listen address
 * (127.0.0.1 when it listens on every address). Never a request's Host or
 * X-Forwarded-* headers, which the client writes.
 */
export class PublicUrl {
  private listened: string | null = null;

  constructor(
    private readonly configured: string | null,
    private readonly fallbackPort: number,
  ) {}

  /** Takes the address `server` listens on, unless one was configured. */
  follow(server: Server, host: string): void {
    if (this.configured) return;
    server.once('listening', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return;
      const name = isWildcard(host) ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      this.listened = `http://${name}:${address.port}`;
    });
  }

  /** `path` (starting with /) under the public base. */
  resolve(path: string): string {
    const base = this.configured?.replace(/\/+$/, '') ?? this.listened ?? `http://127.0.0.1:${this.fallbackPort}`;
    return `${base}${path}`;
  }
}
