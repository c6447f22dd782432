import { spawn } from 'node:child_process';
import { appError } from '../errors/app-error.ts';

export interface PythonToolOptions {
  python: string;
  trainerDir: string;
}

/**
 * Runs a one-shot trainer command (`probe-device`, `export-model`) and returns the
 * fields of its answer line; a `failed` line or a crash becomes a 500 naming why.
 */
export function runPythonTool(opts: PythonToolOptions, args: string[], stdin = ''): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.python, ['-m', 'selftune_trainer', ...args], {
      env: { ...process.env, PYTHONPATH: opts.trainerDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).at(-1);
      if (code === 0 && last && last.event !== 'failed') return resolve(last);
      const why = last?.event === 'failed' ? String(last.message) : `exit code ${code}: ${err.trim().split('\n').at(-1) ?? ''}`;
      reject(appError('trainer_tool_failed', `selftune_trainer ${args[0]} failed: ${why}`));
    });
    child.stdin.end(stdin);
  });
}
