import type { Server } from 'node:http';
import { hostname } from 'node:os';

/**
 * Where remote runners reach this server: SELFTUNE_RUNNER_URL, or else this
 * server's own address once it listens (a wildcard host named by the machine's
 * hostname). Known only after listen, so jobs claimed before that wait for it.
 */
export class RunnerUrl {
  readonly url: Promise<string>;
  private resolve!: (url: string) => void;

  constructor(private readonly configured: string | null) {
    this.url = new Promise((resolve) => (this.resolve = resolve));
    if (configured) this.resolve(configured.replace(/\/+$/, ''));
  }

  /** Takes the address `server` listens on, unless one was configured. */
  follow(server: Server, host: string): void {
    if (this.configured) return;
    server.once('listening', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return;
      const name = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
      this.resolve(`http://${name}:${address.port}`);
    });
  }
}
