import { loadConfig } from '../config/config.ts';
import { ExposureRefused } from '../server/http/exposure.ts';
import { createServer } from '../server/selftune-server.ts';
import { CliError } from './cli-context.ts';

/** `selftune serve`: runs until SIGINT/SIGTERM, then checkpoints running jobs and exits. */
export async function serve(flags: { port?: string | undefined; host?: string | undefined; dataDir?: string | undefined; allowNoAuth?: boolean | undefined }): Promise<number> {
  const config = loadConfig({ port: flags.port, host: flags.host, dataDir: flags.dataDir, allowNoAuth: flags.allowNoAuth ? 'true' : undefined });
  const server = await createServer(config);
  let address: string;
  try {
    address = await server.listen();
  } catch (err) {
    await server.close();
    throw err instanceof ExposureRefused ? new CliError(err.message) : err;
  }
  server.app.log.info(`selftune listening on ${address} (data in ${config.dataDir})`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info(`${signal}: checkpointing running jobs and shutting down`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await new Promise(() => {}); // serve until a signal arrives
  return 0;
}
