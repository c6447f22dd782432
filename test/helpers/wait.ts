import { connect } from 'node:net';

// Waiting in tests. The suite must pass on a machine whose cores are busy with
// other work, where a Python start, a device probe or a training step can take
// many times what it takes on an idle machine. So tests never assert how long
// something took: they wait for a condition, with a limit generous enough that
// only a real hang reaches it, and then assert what happened and in what order.

/** The limit for anything that involves the trainer or a Python start: only a hang takes this long. */
export const LONG_WAIT_MS = 15 * 60_000;
/** The limit for things that involve no Python at all (a server's HTTP port, a browser page). */
export const SHORT_WAIT_MS = 3 * 60_000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Names what was awaited in the error; a function is called then, to report the last state seen. */
  what?: string | (() => string);
}

/**
 * Calls `check` until it returns a truthy value, and returns that value;
 * throws naming `what` once `timeoutMs` has passed.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, opts: WaitOptions = {}): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const { timeoutMs = LONG_WAIT_MS, intervalMs = 250, what = 'a condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`still waiting for ${typeof what === 'function' ? what() : what} after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Resolves once something accepts TCP connections on `port` (a daemon a test started). */
export function waitForPort(port: number, host = '127.0.0.1', timeoutMs = SHORT_WAIT_MS): Promise<true> {
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  return waitUntil(accepts, { timeoutMs, intervalMs: 100, what: `a listener on ${host}:${port}` });
}
