import OpenAI from 'openai';

/** What every CLI command gets: the SDK client for the server, and where to write. */
export interface CliContext {
  client: OpenAI;
  baseUrl: string;
  apiKey: string;
  json: boolean;
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

export function cliContext(opts: { baseUrl?: string | undefined; json?: boolean | undefined }): CliContext {
  const baseUrl = (opts.baseUrl ?? process.env.SELFTUNE_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const apiKey = process.env.SELFTUNE_API_KEY ?? 'selftune';
  return {
    client: new OpenAI({ apiKey, baseURL: `${baseUrl}/v1`, maxRetries: 1 }),
    baseUrl,
    apiKey,
    json: opts.json ?? false,
    out: process.stdout,
    err: process.stderr,
  };
}

/**
 * The SDK with an admin key for the Admin API commands (projects, keys, orgs):
 * SELFTUNE_ADMIN_KEY, else SELFTUNE_API_KEY. It is also the plain API key, for
 * selftune's own routes the SDK has no method for (/v1/organizations).
 */
export function adminClient(ctx: CliContext): OpenAI {
  const key = process.env.SELFTUNE_ADMIN_KEY ?? ctx.apiKey;
  return new OpenAI({ apiKey: key, adminAPIKey: key, baseURL: `${ctx.baseUrl}/v1`, maxRetries: 1 });
}

/** An error the user caused or should see as is (exit code 1, message only, no stack). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
