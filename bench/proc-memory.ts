import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Peak resident memory (VmHWM) of a live process, in MiB; null once it is gone. */
export function peakRssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return null;
  }
}

export function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Samples the peak memory of a process and of its children until stopped. */
export function watchMemory(pid: number, everyMs = 100) {
  const peaks = { server: 0, worker: 0 };
  const timer = setInterval(() => {
    peaks.server = Math.max(peaks.server, peakRssMiB(pid) ?? 0);
    for (const child of childPids(pid)) peaks.worker = Math.max(peaks.worker, peakRssMiB(child) ?? 0);
  }, everyMs);
  return { peaks, stop: () => clearInterval(timer) };
}
