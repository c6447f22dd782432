// Memory under slow clients: N connections trickling header or body bytes at a
// `selftune serve` process (loopback), with the header/idle/upload timeouts
// shortened so each run takes seconds. Prints the server's resident memory
// before, at the peak and after, and whether a normal request got through.
//
//   node --import tsx bench/slow-clients.ts [clients...]     (default: 200 1000)
import { rm } from 'node:fs/promises';
import { freePort, spawnServer, tempDir, waitForHealth } from '../test/helpers/server.ts';
import { runSlowClients } from '../test/edge/slow-clients.ts';

const counts = process.argv.slice(2).map(Number);
for (const clients of counts.length ? counts : [200, 1000]) {
  const dataDir = await tempDir('slow-bench');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer(dataDir, port, { SELFTUNE_HEADERS_TIMEOUT_SECONDS: '10', SELFTUNE_BODY_IDLE_TIMEOUT_SECONDS: '5', SELFTUNE_UPLOAD_TIMEOUT_SECONDS: '15' });
  try {
    await waitForHealth(url);
    const run = await runSlowClients(url, server.pid!, clients, 120_000);
    const mib = (n: number) => Math.round(n * 10) / 10;
    console.log(JSON.stringify({ ...run, rssBeforeMiB: mib(run.rssBeforeMiB), rssPeakMiB: mib(run.rssPeakMiB), rssAfterMiB: mib(run.rssAfterMiB), secondsUntilAllCut: mib(run.secondsUntilAllCut) }));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}
