import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/config/paths.ts';
import { LONG_WAIT_MS } from './wait.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `selftune` binary, as a user types it, against the server at `baseUrl`. */
export async function runCli(baseUrl: string, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, 'bin/selftune.mjs'), ...args], {
      env: { ...process.env, SELFTUNE_BASE_URL: baseUrl },
      timeout: LONG_WAIT_MS,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
