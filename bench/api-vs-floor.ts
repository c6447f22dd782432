// The job API against its floor: `GET /v1/fine_tuning/jobs/{id}` and
// `GET /v1/fine_tuning/jobs?limit=20` on a `selftune serve` process (SQLite, a
// service-account key from the database) with 25 real jobs, side by side with
// a bare Fastify + better-sqlite3 process (this file, `floor` mode) serving the
// very same JSON bodies, copied from selftune's answers into one table. Both
// are loaded by the same keep-alive client loop (`concurrency` loops, each
// sending its next request when the last one is answered), on an idle server
// and again while a job trains. Also measured: a poller's revalidation
// (`If-None-Match` → 304) of the same job.
//
//   node --import tsx bench/api-vs-floor.ts [seconds=5] [concurrency=16]
//
// BENCH_DATA_DIR=dir keeps the data directory (and its key) there and reuses
// it on the next run, which skips training the 25 jobs again (each run adds
// its cancelled load job to the list).
import { Agent, request } from 'node:http';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { demoTrainingJsonl } from '../src/demo/demo-data.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../test/helpers/server.ts';
import { waitUntil } from '../test/helpers/wait.ts';

const ADMIN_KEY = 'sk-admin-bench-0123456789abcdef';
const JOBS = 25;

/** `floor <db> <port>`: the floor itself, a separate process like selftune. */
async function serveFloor(dbPath: string, port: number): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const { default: Fastify } = await import('fastify');
  const db = new Database(dbPath);
  const one = db.prepare('SELECT body FROM jobs WHERE id = ?');
  const page = db.prepare('SELECT body FROM jobs ORDER BY seq DESC LIMIT ?');
  const app = Fastify();
  app.get('/v1/fine_tuning/jobs/:id', async (req, reply) => {
    const row = one.get((req.params as { id: string }).id) as { body: string } | undefined;
    return row ? JSON.parse(row.body) : reply.status(404).send({ error: 'not found' });
  });
  app.get('/v1/fine_tuning/jobs', async (req) => {
    const limit = Number((req.query as { limit?: string }).limit ?? 20);
    const rows = page.all(limit + 1) as Array<{ body: string }>;
    return { object: 'list', data: rows.slice(0, limit).map((r) => JSON.parse(r.body)), has_more: rows.length > limit };
  });
  await app.listen({ port, host: '127.0.0.1' });
}

/** Copies selftune's answers (oldest first) into the floor's table. */
async function fillFloor(dbPath: string, jobs: unknown[]): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(dbPath);
  db.exec('CREATE TABLE jobs (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO jobs (id, body) VALUES (?, ?)');
  for (const job of [...jobs].reverse()) insert.run((job as { id: string }).id, JSON.stringify(job));
  db.close();
}

function get(agent: Agent, port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function load(port: number, path: string, headers: Record<string, string>, ms: number, concurrency: number, expect = 200) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let unexpected = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const status = await get(agent, port, path, headers);
      latencies.push(performance.now() - t0);
      if (status !== expect) unexpected++;
    }
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { rps: Math.round(latencies.length / (ms / 1000)), p50_ms: +pct(50).toFixed(2), p99_ms: +pct(99).toFixed(2), unexpected };
}

async function serviceAccountKey(url: string): Promise<string> {
  const admin = (path: string, body: unknown) => fetch(`${url}/v1/organization${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<{ id: string; api_key: { value: string } }>);
  const project = await admin('/projects', { name: 'bench' });
  return (await admin(`/projects/${project.id}/service_accounts`, { name: 'bench' })).api_key.value;
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
};

async function main(seconds: number, concurrency: number) {
  const kept = process.env.BENCH_DATA_DIR;
  const [dataDir, floorDir, port, floorPort] = await Promise.all([kept ?? tempDir('bench-api'), tempDir('bench-floor'), freePort(), freePort()]);
  const keyFile = join(dataDir, 'bench-key');
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer(dataDir, port, { SELFTUNE_ADMIN_KEY: ADMIN_KEY, SELFTUNE_LOG_LEVEL: 'warn' });
  let floor: ChildProcess | undefined;
  try {
    await waitForHealth(url);
    const reused = existsSync(keyFile);
    const key = reused ? await readFile(keyFile, 'utf8') : await serviceAccountKey(url);
    if (kept) await writeFile(keyFile, key);
    const client = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    // 25 real jobs of one epoch each: events, metrics, checkpoints and a fine-tuned model, as a used server has.
    if (!reused) {
      const file = await client.files.create({ file: await toFile(Buffer.from(demoTrainingJsonl()), 'train.jsonl'), purpose: 'fine-tune' });
      for (let i = 0; i < JOBS; i++) {
        await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id, hyperparameters: { n_epochs: 1 }, metadata: { bench: String(i) } });
      }
    }
    await waitUntil(async () => (await client.fineTuning.jobs.list({ limit: 100 })).data.filter((j) => j.metadata?.bench).every((j) => j.status === 'succeeded'), { timeoutMs: 30 * 60_000, intervalMs: 1000, what: 'the 25 jobs to succeed' });
    const page = await fetch(`${url}/v1/fine_tuning/jobs?limit=100`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json() as Promise<{ data: Array<{ id: string }> }>);
    const dbPath = join(floorDir, 'floor.db');
    await fillFloor(dbPath, page.data);
    floor = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'floor', dbPath, String(floorPort)], { stdio: 'inherit' });
    await waitUntil(() => fetch(`http://127.0.0.1:${floorPort}/v1/fine_tuning/jobs`).then((r) => r.ok, () => false), { timeoutMs: 60_000, what: 'the floor server' });

    const jobPath = `/v1/fine_tuning/jobs/${page.data[12]!.id}`;
    const routes = { 'one job': jobPath, 'page of 20': '/v1/fine_tuning/jobs?limit=20' };
    const auth = { authorization: `Bearer ${key}` };
    const measure = async () => {
      const out: Record<string, unknown> = {};
      for (const [name, path] of Object.entries(routes)) {
        await load(port, path, auth, 1000, concurrency); // warm-up
        await load(floorPort, path, auth, 1000, concurrency);
        const selftune = await load(port, path, auth, seconds * 1000, concurrency);
        const bare = await load(floorPort, path, auth, seconds * 1000, concurrency);
        out[name] = { selftune, floor: bare, ratio: +(selftune.rps / bare.rps).toFixed(2) };
      }
      const etag = (await fetch(`${url}${jobPath}`, { headers: auth })).headers.get('etag');
      if (etag) out['one job, If-None-Match (304)'] = await load(port, jobPath, { ...auth, 'if-none-match': etag }, seconds * 1000, concurrency, 304);
      return out;
    };

    const idle = await measure();
    // A job that trains through the second measurement: the demo data five times over, 50 epochs.
    const big = await client.files.create({ file: await toFile(Buffer.from(demoTrainingJsonl().repeat(5)), 'big.jsonl'), purpose: 'fine-tune' });
    const trainer = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: big.id, hyperparameters: { n_epochs: 50 } });
    await waitUntil(async () => (await client.fineTuning.jobs.retrieve(trainer.id)).status === 'running', { timeoutMs: 10 * 60_000, intervalMs: 500, what: 'the load job to run' });
    const training = await measure();
    const stillTraining = (await client.fineTuning.jobs.retrieve(trainer.id)).status === 'running';
    await client.fineTuning.jobs.cancel(trainer.id);
    await waitUntil(async () => (await client.fineTuning.jobs.retrieve(trainer.id)).status === 'cancelled', { timeoutMs: 60_000, what: 'the load job to stop' });
    console.log(JSON.stringify({ seconds, concurrency, jobs: JOBS, idle, training: { ...training, job_still_running_at_end: stillTraining } }, null, 2));
  } finally {
    if (floor) await stop(floor);
    await stop(server);
    await Promise.all([kept ? null : rm(dataDir, { recursive: true, force: true }), rm(floorDir, { recursive: true, force: true })]);
  }
}

if (process.argv[2] === 'floor') await serveFloor(process.argv[3]!, Number(process.argv[4]));
else await main(Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 16));
