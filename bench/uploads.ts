// Uploads API throughput: a file of N MiB (default 1024) sent to a `selftune
// serve` process (loopback, disk storage) as 64 MiB parts, 4 in flight, through
// the official SDK, then completed with its md5. Prints the parts' MB/s, the
// complete's duration and the server's resident memory before, at its peak
// while parts arrive and during the complete (parts are streamed to disk and
// joined by streaming, so it should barely move). The file is made in a temp
// folder and deleted afterwards.
//
//   node --import tsx bench/uploads.ts [MiB] [purpose]     (default: 1024 batch)
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { freePort, spawnServer, tempDir, waitForHealth } from '../test/helpers/server.ts';

const MiB = 1024 * 1024;
const totalMiB = Number(process.argv[2] ?? 1024);
const purpose = (process.argv[3] ?? 'batch') as 'batch' | 'fine-tune';
const PART = 64 * MiB;
const IN_FLIGHT = 4;

const rssMiB = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

/** A file of `mib` MiB: random bytes (batch), or chat lines padded with random text (fine-tune); returns its md5. */
async function makeFile(path: string, mib: number): Promise<string> {
  const hash = createHash('md5');
  const out = createWriteStream(path);
  for (let i = 0; i < mib; i++) {
    const chunk = purpose === 'batch'
      ? randomBytes(MiB)
      : Buffer.from(Array.from({ length: 64 }, () => `${JSON.stringify({ messages: [{ role: 'user', content: randomBytes(4000).toString('base64').slice(0, 8000) }, { role: 'assistant', content: 'ok' }] })}\n`).join('').padEnd(MiB - 1, ' ').slice(0, MiB - 1) + '\n');
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hash.digest('hex');
}

const dir = await tempDir('uploads-bench');
const dataDir = join(dir, 'data');
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = spawnServer(dataDir, port, { SELFTUNE_UPLOAD_PART_BYTES: String(PART) });
try {
  const path = join(dir, purpose === 'batch' ? 'big.bin' : 'big.jsonl');
  const md5 = await makeFile(path, totalMiB);
  const bytes = totalMiB * MiB;
  await waitForHealth(url);
  const client = new OpenAI({ apiKey: 'bench', baseURL: `${url}/v1`, maxRetries: 0, timeout: 30 * 60_000 });
  const pid = server.pid!;
  const before = rssMiB(pid, 'VmRSS');
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid, 'VmRSS'))), 50);

  const upload = await client.uploads.create({ bytes, filename: path.split('/').pop()!, mime_type: 'application/octet-stream', purpose });
  const count = Math.ceil(bytes / PART);
  const ids = new Array<string>(count);
  const file = await open(path, 'r');
  let next = 0;
  const partsStart = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    for (let i = next++; i < count; i = next++) {
      const data = Buffer.alloc(Math.min(PART, bytes - i * PART));
      await file.read(data, 0, data.length, i * PART);
      ids[i] = (await client.uploads.parts.create(upload.id, { data: await toFile(data, `part${i}`) })).id;
    }
  }));
  const partsSeconds = (performance.now() - partsStart) / 1000;
  await file.close();
  const peakParts = peak;
  peak = rssMiB(pid, 'VmRSS');
  const completeStart = performance.now();
  const done = await client.uploads.complete(upload.id, { part_ids: ids, md5 });
  const completeSeconds = (performance.now() - completeStart) / 1000;
  clearInterval(sampler);
  if (done.file?.bytes !== bytes) throw new Error(`completed with ${JSON.stringify(done.file)}`);
  const r = (n: number) => Math.round(n * 10) / 10;
  console.log(JSON.stringify({
    MiB: totalMiB, purpose, parts: count, inFlight: IN_FLIGHT,
    partsSeconds: r(partsSeconds), partsMBps: r(bytes / 1e6 / partsSeconds),
    completeSeconds: r(completeSeconds), completeMBps: r(bytes / 1e6 / completeSeconds),
    rssBeforeMiB: r(before), rssPeakPartsMiB: r(peakParts), rssPeakCompleteMiB: r(peak), rssHwmMiB: r(rssMiB(pid, 'VmHWM')),
  }));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
