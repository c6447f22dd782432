import { loadConfig } from '../config/config.ts';
import { createServer } from '../server/selftune-server.ts';

const USAGE = `selftune — a self-hosted fine-tuning server (OpenAI and Mistral APIs)

Usage:
  selftune serve [--port P] [--host H] [--data-dir D]
  selftune --version
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function serve(args: string[]): Promise<number> {
  const config = loadConfig({ port: flag(args, '--port'), host: flag(args, '--host'), dataDir: flag(args, '--data-dir') });
  const server = await createServer(config);
  const address = await server.app.listen({ port: config.port, host: config.host });
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
  await server.ready.catch(() => {});
  await new Promise(() => {}); // serve until a signal arrives
  return 0;
}

export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'serve':
      return serve(rest);
    case '--version':
    case 'version':
      console.log('selftune 0.1.0');
      return 0;
    default:
      process.stderr.write(USAGE);
      return command ? 2 : 0;
  }
}
