import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { type ConfigInput, loadConfig } from '../../src/config/config.ts';
import { repoRoot } from '../../src/config/paths.ts';
import { createServer, type SelftuneServer } from '../../src/server/selftune-server.ts';
import { LONG_WAIT_MS, waitUntil } from './wait.ts';

export interface TestServer {
  url: string;
  dataDir: string;
  client: OpenAI;
  server: SelftuneServer;
  close(): Promise<void>;
}

/** Limits of the server's own that a busy machine must not reach (a worker's Python start can take minutes there). */
const BUSY_MACHINE_LIMITS = { inferenceStartTimeoutSeconds: LONG_WAIT_MS / 1000 };

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), `selftune-${prefix}-`));

/** A real server in this process, on a free port, over a fresh data directory; `awsEnv` points its object storage at a test S3 server. */
export async function startServer(overrides: ConfigInput = {}, opts: { awsEnv?: Record<string, string> } = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ? String(overrides.dataDir) : await tempDir('data');
  const config = loadConfig({ port: 0, logLevel: 'silent', heartbeatSeconds: 0.5, ...BUSY_MACHINE_LIMITS, ...overrides, dataDir });
  const server = await createServer(config, opts);
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  await server.ready;
  const client = new OpenAI({ apiKey: 'test-key', baseURL: `${address}/v1`, maxRetries: 0 });
  return {
    url: address,
    dataDir,
    client,
    server,
    close: async () => {
      await server.close();
      if (!overrides.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `selftune serve` command as a separate process (for crash tests). */
export function spawnServer(dataDir: string, port: number, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [join(repoRoot, 'bin/selftune.mjs'), 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, SELFTUNE_LOG_LEVEL: 'warn', SELFTUNE_INFERENCE_START_TIMEOUT_SECONDS: String(BUSY_MACHINE_LIMITS.inferenceStartTimeoutSeconds), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Waits until the server at `url` answers /health with 200 (a spawned server starts Node, tsx and its workers). */
export async function waitForHealth(url: string, timeoutMs = LONG_WAIT_MS): Promise<void> {
  const healthy = () => fetch(`${url}/health`).then((r) => r.status === 200, () => false);
  await waitUntil(healthy, { timeoutMs, intervalMs: 200, what: `server at ${url} to be healthy` });
}

/** A port nobody is listening on right now. */
export async function freePort(): Promise<number> {
  const { createServer: createNetServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
