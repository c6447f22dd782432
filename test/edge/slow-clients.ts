import { readFileSync } from 'node:fs';
import { filePartHead, openRaw, type RawConnection, uploadHead, within } from './slow-socket.ts';

// Many clients that trickle bytes at a server (loopback only): half send their
// headers a byte at a time, half an upload's body. Shared by the test (which
// asserts bounds) and bench/slow-clients.ts (which records the figures).

/** Resident memory of a live process, in MiB. */
export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

export interface SlowClientRun {
  clients: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
  /** Status of a normal request made while every slow client was connected and trickling. */
  normalStatus: number;
  /** Clients the server had cut when the run ended (all of them unless `waitForCuts` gave up). */
  cut: number;
  secondsUntilAllCut: number;
}

/**
 * Opens `clients` slow connections to the server at `url` (process `pid`), makes one
 * normal request while they trickle, and waits (at most `limitMs`) for the server to cut them all.
 */
export async function runSlowClients(url: string, pid: number, clients: number, limitMs: number): Promise<SlowClientRun> {
  const rssBeforeMiB = rssMiB(pid);
  let rssPeakMiB = rssBeforeMiB;
  const sampler = setInterval(() => (rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid))), 50);
  const started = Date.now();
  const connections: RawConnection[] = [];
  const trickles: Promise<void>[] = [];
  let cut = 0;
  try {
    for (let i = 0; i < clients; i++) {
      const c = await openRaw(url);
      void c.closed.then(() => cut++);
      connections.push(c);
      // Every message would take hours at this pace; only the server's timeouts end them.
      if (i % 2 === 0) trickles.push(c.trickle(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'s'.repeat(100_000)}\r\n\r\n`, 1, 250));
      else {
        c.write(uploadHead('/v1/files', 10_000_000) + filePartHead());
        trickles.push(c.trickle('{"text": "slow"}\n'.repeat(100_000), 1, 250));
      }
    }
    const normal = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer test-key' } });
    await normal.arrayBuffer();
    await within(Promise.all(connections.map((c) => c.closed)), limitMs, `the server to cut all ${clients} slow clients`).catch(() => {}); // `cut` tells
    await within(Promise.all(trickles), limitMs, 'the trickling to stop');
    const secondsUntilAllCut = (Date.now() - started) / 1000;
    return { clients, rssBeforeMiB, rssPeakMiB, rssAfterMiB: rssMiB(pid), normalStatus: normal.status, cut, secondsUntilAllCut };
  } finally {
    clearInterval(sampler);
    for (const c of connections) c.socket.destroy();
  }
}
