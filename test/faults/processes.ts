import { execFileSync } from 'node:child_process';
import { LONG_WAIT_MS, waitUntil } from '../helpers/wait.ts';

export interface Proc {
  pid: number;
  ppid: number;
  args: string;
}

/** Every process below `root` (children, grandchildren…), from one `ps` snapshot. */
export function descendants(root: number): Proc[] {
  const all = execFileSync('ps', ['-eo', 'pid=,ppid=,args=']).toString().trim().split('\n').map((line) => {
    const [, pid, ppid, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!;
    return { pid: Number(pid), ppid: Number(ppid), args: args! };
  });
  const found: Proc[] = [];
  let frontier = [root];
  while (frontier.length) {
    const next = all.filter((p) => frontier.includes(p.ppid));
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}

/** The training processes (`selftune_trainer train …`, standby included) below `root`. */
export const trainers = (root: number) => descendants(root).filter((p) => /selftune_trainer train\b/.test(p.args));

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child its parent has not reaped yet still answers signal 0.
  try {
    return !/^\d+ \(.*\) Z/.test(execFileSync('cat', [`/proc/${pid}/stat`]).toString());
  } catch {
    return false;
  }
};

/** Polls until `cond` holds; throws with `what` after `timeoutMs` (the suite's generous limit). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = LONG_WAIT_MS, everyMs = 100): Promise<void> {
  await waitUntil(cond, { timeoutMs, intervalMs: everyMs, what });
}
