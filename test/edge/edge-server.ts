import { rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { type ConfigInput, loadConfig } from '../../src/config/config.ts';
import { createServer, type SelftuneServer } from '../../src/server/selftune-server.ts';
import { tempDir } from '../helpers/server.ts';

export interface LoggedServer {
  server: SelftuneServer;
  dataDir: string;
  /** Every log line the server wrote so far. */
  log(): string;
  close(): Promise<void>;
}

/**
 * A server whose log is kept (at info level) instead of printed, not yet
 * listening: the caller calls `server.listen()`, which applies the exposure rules.
 */
export async function loggedServer(overrides: ConfigInput = {}): Promise<LoggedServer> {
  const dataDir = await tempDir('edge');
  const config = loadConfig({ port: 0, host: '127.0.0.1', logLevel: 'info', heartbeatSeconds: 0.5, ...overrides, dataDir });
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const server = await createServer(config, { logStream: stream });
  return {
    server,
    dataDir,
    log: () => lines.join(''),
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
