// Webhook delivery latency: from a job's terminal status change (the
// transaction that writes it and its outbox rows; its time is the event's
// `created_at` in milliseconds, read from the database) to the moment a
// receiver in this process has the request. The server is `selftune serve`
// (SQLite) with SELFTUNE_WEBHOOK_URL pointing here; every request is checked
// with the openai SDK's `webhooks.unwrap()`. Terminal events come from jobs
// cancelled at once, jobs that fail validation (too few examples), and a few
// real trainings of selftune-tiny that succeed.
//
//   node --import tsx bench/webhook-latency.ts [cancelled=100] [failed=50] [succeeded=2]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import OpenAI, { toFile } from 'openai';
import { demoTrainingJsonl } from '../src/demo/demo-data.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../test/helpers/server.ts';
import { waitUntil } from '../test/helpers/wait.ts';

const [cancelled, failed, succeeded] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 50), Number(process.argv[4] ?? 2)];
const SECRET = `whsec_${Buffer.from('selftune webhook latency bench!!').toString('base64')}`;
const TOO_FEW = Array.from({ length: 3 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] })).join('\n');

/** Receipt time (ms) of each event id, after its signature verified. */
const received = new Map<string, { at: number; type: string }>();
const verifier = new OpenAI({ apiKey: 'unused' });
const receiver = createServer((req, res) => {
  const at = Date.now();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    verifier.webhooks.unwrap(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>, SECRET).then(
      (event) => { received.set(event.id, { at, type: event.type }); res.writeHead(200).end(); },
      (err: unknown) => { console.error(`a request did not verify: ${String(err)}`); res.writeHead(400).end(); },
    );
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

const dataDir = await tempDir('bench-webhooks');
const port = await freePort();
const server = spawnServer(dataDir, port, { SELFTUNE_WEBHOOK_URL: hookUrl, SELFTUNE_WEBHOOK_SECRET: SECRET, SELFTUNE_LOG_LEVEL: 'warn' });
try {
  await waitForHealth(`http://127.0.0.1:${port}`);
  const client = new OpenAI({ apiKey: 'bench', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  const upload = async (text: string) => client.files.create({ file: await toFile(Buffer.from(text), 'train.jsonl'), purpose: 'fine-tune' });
  const [good, bad] = [await upload(demoTrainingJsonl()), await upload(TOO_FEW)];

  const trainings = [];
  for (let i = 0; i < succeeded; i++) trainings.push(await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: good.id, hyperparameters: { n_epochs: 1 } }));
  for (let i = 0; i < failed; i++) await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: bad.id });
  // Cancelled while queued behind the trainings: each cancel ends a job at once.
  for (let i = 0; i < cancelled; i++) {
    const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: good.id });
    await client.fineTuning.jobs.cancel(job.id);
  }
  const total = cancelled + failed + succeeded;
  await waitUntil(() => received.size >= total, { timeoutMs: 60 * 60_000, intervalMs: 500, what: () => `${total} events (have ${received.size})` });

  const db = new Sqlite(join(dataDir, 'selftune.db'), { readonly: true });
  const ended = new Map((db.prepare('SELECT id, created_at FROM webhook_events').all() as Array<{ id: string; created_at: number }>).map((r) => [r.id, r.created_at]));
  db.close();
  const byType = new Map<string, number[]>();
  for (const [id, { at, type }] of received) byType.set(type, [...(byType.get(type) ?? []), at - ended.get(id)!]);
  const all = [...byType.values()].flat();
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
  console.log(`\`node --import tsx bench/webhook-latency.ts ${cancelled} ${failed} ${succeeded}\`:\n`);
  console.log('| events | n | median ms | p99 ms | max ms |\n|---|---|---|---|---|');
  for (const [type, xs] of [...byType, ['all', all] as const]) console.log(`| ${type} | ${xs.length} | ${pct(xs, 50)} | ${pct(xs, 99)} | ${Math.max(...xs)} |`);
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  receiver.close();
  await rm(dataDir, { recursive: true, force: true });
}
