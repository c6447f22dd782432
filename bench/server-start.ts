// Server start time: from spawning `selftune serve` to /health answering 200,
// on a fresh data directory (migrations, demo model copied in, trainer
// environment checked) and again on the same directory.
//
//   node --import tsx bench/server-start.ts [runs]
import { rm } from 'node:fs/promises';
import { freePort, spawnServer, tempDir, waitForHealth } from '../test/helpers/server.ts';

async function timeStart(dataDir: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  const server = spawnServer(dataDir, port);
  let listening = 0;
  while (!listening) {
    const res = await fetch(`${url}/health`).catch(() => null);
    if (res) listening = Date.now() - t0;
    else await new Promise((r) => setTimeout(r, 20));
  }
  await waitForHealth(url);
  const healthy = Date.now() - t0;
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  return { listening_s: listening / 1000, healthy_s: healthy / 1000 };
}

const runs = Number(process.argv[2] ?? 3);
const rows: unknown[] = [];
for (let i = 0; i < runs; i++) {
  const dataDir = await tempDir('start');
  rows.push({ fresh: await timeStart(dataDir), existing: await timeStart(dataDir) });
  await rm(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(rows, null, 2));
