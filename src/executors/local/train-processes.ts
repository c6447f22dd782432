import { execFile } from 'node:child_process';

/**
 * How many processes a training job runs as: the configured number, else one
 * per CUDA GPU this server may use (CUDA_VISIBLE_DEVICES, else what nvidia-smi
 * lists), else 1. Asking nvidia-smi costs milliseconds where importing torch to
 * count devices would cost seconds.
 */
export async function trainProcesses(configured: number, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (configured > 0) return configured;
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) return Math.max(1, countVisible(visible));
  return Math.max(1, await nvidiaSmiGpus());
}

/** Entries of CUDA_VISIBLE_DEVICES before the first invalid one (CUDA's own rule: "-1" hides every GPU). */
export function countVisible(list: string): number {
  let n = 0;
  for (const entry of list.split(',').map((e) => e.trim())) {
    if (!/^(\d+|GPU-[\w-]+|MIG-[\w/-]+)$/.test(entry)) break;
    n += 1;
  }
  return n;
}

function nvidiaSmiGpus(): Promise<number> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? 0 : stdout.split('\n').filter((l) => l.trim() !== '').length);
    });
  });
}
