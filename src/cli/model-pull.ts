import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-context.ts';
import { printObject } from './output.ts';

const POLL_MS = 500;
const PLAIN_EVERY_MS = 2000;

interface WirePull {
  id: string;
  model: string;
  status: 'running' | 'succeeded' | 'failed';
  commit: string | null;
  bytes_done: number;
  bytes_total: number | null;
  files_done: number;
  files_total: number | null;
  skipped_files: string[];
  error: { code: string; message: string } | null;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function progressLine(p: WirePull, width = 30): string {
  const share = p.bytes_total ? p.bytes_done / p.bytes_total : 0;
  const filled = Math.round(share * width);
  const files = p.files_total === null ? '' : `${p.files_done}/${p.files_total} files`;
  const bytes = p.bytes_total === null ? '' : `${mb(p.bytes_done)} / ${mb(p.bytes_total)}`;
  return `${p.status.padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${bytes} ${files}`.trimEnd();
}

/**
 * `models pull ORG/NAME`: asks the server to download the repository, then
 * follows it like `jobs --follow` (a redrawn bar on a terminal, a line every
 * two seconds otherwise). Exits 1 with the server's reason when the pull fails.
 */
export async function pullModel(ctx: CliContext, model: string, opts: { revision?: string | undefined; includePatterns: string[] }) {
  const body = { model, ...(opts.revision ? { revision: opts.revision } : {}), ...(opts.includePatterns.length ? { include_patterns: opts.includePatterns } : {}) };
  let pull = await ctx.client.post<WirePull>('/model_pulls', { body });
  const tty = ctx.err.isTTY === true;
  let lastPlain = 0;
  for (;;) {
    if (tty) ctx.err.write(`\r\x1b[2K${progressLine(pull)}`);
    else if (pull.status !== 'running' || Date.now() - lastPlain >= PLAIN_EVERY_MS) {
      lastPlain = Date.now();
      ctx.err.write(`${progressLine(pull)}\n`);
    }
    if (pull.status !== 'running') break;
    await new Promise((r) => setTimeout(r, POLL_MS));
    pull = await ctx.client.get<WirePull>(`/model_pulls/${pull.id}`);
  }
  if (tty) ctx.err.write('\n');
  if (pull.status === 'failed') throw new CliError(`pull of ${model} failed: ${pull.error?.message ?? 'unknown error'}`);
  if (pull.skipped_files.length) ctx.err.write(`skipped (not safetensors; --include-pattern fetches them): ${pull.skipped_files.join(', ')}\n`);
  printObject(ctx, { model: pull.model, commit: pull.commit, files: pull.files_total, bytes: pull.bytes_total });
}
