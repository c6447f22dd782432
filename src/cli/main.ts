import { parseArgs } from 'node:util';
import { APIConnectionError, APIError } from 'openai';
import { CliError, cliContext } from './cli-context.ts';
import { filesCommand, UsageError } from './files.command.ts';
import { jobsCommand } from './jobs.command.ts';
import { keysCommand } from './keys.command.ts';
import { limitsCommand } from './limits.command.ts';
import { modelsCommand } from './models.command.ts';
import { orgsCommand, projectsCommand } from './projects.command.ts';
import { serve } from './serve.command.ts';
import { chatCommand, classifyCommand } from './use.command.ts';
import { webhooksCommand } from './webhooks.command.ts';

const USAGE = `selftune — a self-hosted fine-tuning server (OpenAI and Mistral APIs)

Server:
  selftune serve [--port P] [--host H] [--data-dir D] [--allow-no-auth]

Client (talks to SELFTUNE_BASE_URL or --base-url, default http://127.0.0.1:8080,
with SELFTUNE_API_KEY when the server has keys; --json on any read command):
  selftune files upload PATH [--purpose fine-tune] | list [--purpose P] | get ID | delete ID
  selftune jobs create --model M --training-file PATH|ID [--validation-file PATH|ID]
                       [--epochs N] [--learning-rate-multiplier X] [--batch-size N]
                       [--suffix S] [--seed N] [--follow]
  selftune jobs list [--limit N] [--after ID] | get | cancel | pause | resume | events | checkpoints JOB_ID
  selftune models list [--all] | get MODEL | delete MODEL
  selftune models pull ORG/NAME [--revision R] [--include-pattern GLOB]...
                       (Hugging Face download by the server; HF_TOKEN/HF_ENDPOINT in its environment)
  selftune models export MODEL --out DIR [--merged]
  selftune models share MODEL [--off]
  selftune chat MODEL PROMPT [--system TEXT] [--max-tokens N]
  selftune classify MODEL TEXT
  selftune webhooks create --name N --url U [--event-type T]...   (prints the signing secret once)
  selftune webhooks list | get ID | update ID [--name N] [--url U] [--event-type T]... | delete ID
  selftune webhooks rotate-secret ID [--keep-old] | test ID [--event-type T] | deliveries ID [--limit N]

Admin (an admin key: SELFTUNE_ADMIN_KEY, else SELFTUNE_API_KEY):
  selftune projects create NAME | list [--all] | get ID | archive ID
  selftune keys create --project ID [--name N] [--role member|owner|reader]   (prints the key once)
  selftune keys list --project ID | revoke KEY_ID --project ID
  selftune orgs create NAME | list          (the deployment admin only)
  selftune limits get --project ID | set --project ID [--requests-per-minute N] [--tokens-per-minute N]
                       [--max-jobs N] [--max-storage-bytes N]   (per key / per project; 0 = unlimited, default = the server's setting)
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'allow-no-auth': { type: 'boolean' },
  'base-url': { type: 'string' },
  json: { type: 'boolean' },
  purpose: { type: 'string' },
  limit: { type: 'string' },
  after: { type: 'string' },
  model: { type: 'string' },
  'training-file': { type: 'string' },
  'validation-file': { type: 'string' },
  epochs: { type: 'string' },
  'learning-rate-multiplier': { type: 'string' },
  'batch-size': { type: 'string' },
  suffix: { type: 'string' },
  seed: { type: 'string' },
  follow: { type: 'boolean' },
  all: { type: 'boolean' },
  revision: { type: 'string' },
  'include-pattern': { type: 'string', multiple: true },
  out: { type: 'string' },
  merged: { type: 'boolean' },
  off: { type: 'boolean' },
  system: { type: 'string' },
  'max-tokens': { type: 'string' },
  project: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  'requests-per-minute': { type: 'string' },
  'tokens-per-minute': { type: 'string' },
  'max-jobs': { type: 'string' },
  'max-storage-bytes': { type: 'string' },
  url: { type: 'string' },
  'event-type': { type: 'string', multiple: true },
  'keep-old': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

async function dispatch(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, action, ...rest] = positionals;
  if (flags.version) return void console.log('selftune 0.1.0'), 0;
  if (!command || flags.help) return void process.stdout.write(USAGE), 0;
  if (command === 'serve') return serve({ port: flags.port, host: flags.host, dataDir: flags['data-dir'], allowNoAuth: flags['allow-no-auth'] });
  const ctx = cliContext({ baseUrl: flags['base-url'], json: flags.json });
  switch (command) {
    case 'files':
      await filesCommand(ctx, action, rest, flags);
      return 0;
    case 'jobs':
      await jobsCommand(ctx, action, rest, flags);
      return 0;
    case 'models':
      await modelsCommand(ctx, action, rest, flags);
      return 0;
    case 'chat':
      await chatCommand(ctx, [action, ...rest].filter((x): x is string => x !== undefined), flags);
      return 0;
    case 'classify':
      await classifyCommand(ctx, [action, ...rest].filter((x): x is string => x !== undefined));
      return 0;
    case 'projects':
      await projectsCommand(ctx, action, rest, flags);
      return 0;
    case 'keys':
      await keysCommand(ctx, action, rest, flags);
      return 0;
    case 'orgs':
      await orgsCommand(ctx, action, rest);
      return 0;
    case 'limits':
      await limitsCommand(ctx, action, flags);
      return 0;
    case 'webhooks':
      await webhooksCommand(ctx, action, rest, flags);
      return 0;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

/** Runs the command line; returns the exit code (errors are printed, never thrown). */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof APIConnectionError) {
      process.stderr.write(`error: cannot reach the selftune server (${(err as Error).message}); is it running? Set SELFTUNE_BASE_URL or --base-url.\n`);
      return 1;
    }
    if (err instanceof APIError) {
      const param = err.param ? ` [${err.param}]` : '';
      process.stderr.write(`error: ${err.status} ${err.error && typeof err.error === 'object' && 'message' in err.error ? String(err.error.message) : err.message}${param}\n`);
      return 1;
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
