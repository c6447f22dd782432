import { type ChildProcess, execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import OpenAI from 'openai';
import { freePort, spawnServer, tempDir, waitForHealth } from '../helpers/server.ts';
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

export const exited = (p: ChildProcess) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));

/** `selftune serve` as its own process (so it can be SIGKILLed), with an SDK client; `restart` starts a new one on the same data. */
export interface ServerProcess {
  url: string;
  dataDir: string;
  client: OpenAI;
  process: ChildProcess;
  restart(): Promise<void>;
}

/** Starts the server process and registers its end (and its data's removal) with `cleanups`. */
export async function serverProcess(name: string, cleanups: Array<() => Promise<unknown>>): Promise<ServerProcess> {
  const dataDir = await tempDir(name);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started: ServerProcess = {
    url,
    dataDir,
    client: new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 }),
    process: spawnServer(dataDir, port),
    restart: async () => {
      started.process = spawnServer(dataDir, port);
      await waitForHealth(url);
    },
  };
  cleanups.push(async () => {
    started.process.kill('SIGKILL');
    await exited(started.process);
    await rm(dataDir, { recursive: true, force: true });
  });
  await waitForHealth(url);
  return started;
}
