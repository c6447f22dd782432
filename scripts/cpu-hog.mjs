#!/usr/bin/env node
// CPU-heavy processes next to a command, to check that it holds on a busy machine:
//   node scripts/cpu-hog.mjs 2 -- npm test     two busy processes while `npm test` runs
//   node scripts/cpu-hog.mjs 2                 two busy processes until Ctrl-C
// Each hog spins on one core and exits by itself once the process that started it is gone,
// so none outlives an interrupted run. `SELFTUNE_TEST_CPU_HOG=N npm test` does the same.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One process per count that keeps a core busy; it checks every 100 ms that its parent still lives. */
const SPIN = `const parent = Number(process.argv[1]);
for (;;) {
  const until = Date.now() + 100;
  while (Date.now() < until);
  if (process.ppid !== parent) process.exit(0);
}`;

/** Starts `count` CPU hogs; the returned function ends them. */
export function startCpuHog(count) {
  const hogs = Array.from({ length: count }, () => spawn(process.execPath, ['-e', SPIN, String(process.pid)], { stdio: 'ignore' }));
  console.error(`[cpu-hog] ${count} busy process(es): ${hogs.map((h) => h.pid).join(' ')}`);
  return () => {
    for (const hog of hogs) hog.kill('SIGKILL');
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [countArg = '2', separator, command, ...args] = process.argv.slice(2);
  const count = Number(countArg);
  if (!Number.isInteger(count) || count < 1 || (separator !== undefined && (separator !== '--' || !command))) {
    console.error('usage: node scripts/cpu-hog.mjs [count] [-- command args...]');
    process.exit(2);
  }
  const stop = startCpuHog(count);
  const child = command ? spawn(command, args, { stdio: 'inherit' }) : null;
  child?.on('exit', (code, signal) => {
    stop();
    process.exit(code ?? (signal ? 1 : 0));
  });
  // Interrupted: the command gets the signal too; the hogs go at once.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (stop(), child ? child.kill(signal) : process.exit(130)));
}
