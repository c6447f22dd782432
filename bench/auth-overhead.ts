// What key checks and rate limits cost: requests per second and latency of
// GET /v1/fine_tuning/jobs/{id} on a `selftune serve` process (SQLite) without
// keys, with a configured key (SELFTUNE_API_KEYS: compared in memory), with a
// service-account key made through the Admin API (SHA-256, looked up in the
// database, cached 5 s), and with a key plus a request limit that is never
// reached (one upsert per request). The load comes from
// this process: `concurrency` loops over keep-alive connections, each sending
// its next request when the last one is answered.
//
//   node --import tsx bench/auth-overhead.ts [seconds=10] [concurrency=16]
import { Agent, request } from 'node:http';
import { rm } from 'node:fs/promises';
import { Mistral } from '@mistralai/mistralai';
import { demoTrainingJsonl } from '../src/demo/demo-data.ts';
import { toOpenAiId } from '../src/ids/ids.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../test/helpers/server.ts';
import { createJob, uploadMistral, waitMistral } from '../test/mistral/mistral-helpers.ts';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 16);
const KEY = 'bench-project-key';

const ADMIN_KEY = 'sk-admin-bench-0123456789abcdef';

/** A new project's service-account key, made through the Admin API as a user would. */
async function serviceAccountKey(port: number): Promise<string> {
  const admin = (path: string, body: unknown) => fetch(`http://127.0.0.1:${port}/v1/organization${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<{ id: string; api_key: { value: string } }>);
  const project = await admin('/projects', { name: 'bench' });
  return (await admin(`/projects/${project.id}/service_accounts`, { name: 'bench' })).api_key.value;
}

const SETUPS: Array<{ name: string; env: Record<string, string>; key: null | string | ((port: number) => Promise<string>) }> = [
  { name: 'no keys', env: {}, key: null },
  { name: 'configured key (SELFTUNE_API_KEYS)', env: { SELFTUNE_API_KEYS: KEY }, key: KEY },
  { name: 'service-account key (hash lookup, cached)', env: { SELFTUNE_ADMIN_KEY: ADMIN_KEY }, key: serviceAccountKey },
  { name: 'configured key + request limit never reached', env: { SELFTUNE_API_KEYS: KEY, SELFTUNE_KEY_REQUESTS_PER_MINUTE: '1000000000' }, key: KEY },
];

function get(agent: Agent, port: number, path: string, key: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: key ? { authorization: `Bearer ${key}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function load(port: number, path: string, key: string | null, ms: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const status = await get(agent, port, path, key);
      latencies.push(performance.now() - t0);
      if (status !== 200) failures++;
    }
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { requests_per_second: Math.round(latencies.length / (ms / 1000)), p50_ms: +pct(50).toFixed(2), p99_ms: +pct(99).toFixed(2), non_200: failures };
}

const results: Record<string, unknown> = {};
for (const setup of SETUPS) {
  const [dataDir, port] = await Promise.all([tempDir('bench-auth'), freePort()]);
  const server = spawnServer(dataDir, port, { SELFTUNE_TRAINER_STANDBY: 'false', SELFTUNE_LOG_LEVEL: 'warn', ...setup.env });
  try {
    await waitForHealth(`http://127.0.0.1:${port}`);
    const key = typeof setup.key === 'function' ? await setup.key(port) : setup.key;
    // A job that waits in VALIDATED (auto_start false): read, never trained, so nothing else uses the CPU.
    const mistral = new Mistral({ apiKey: key ?? 'none', serverURL: `http://127.0.0.1:${port}/mistral` });
    const file = await uploadMistral(mistral, demoTrainingJsonl());
    const job = await createJob(mistral, { model: 'selftune-tiny', trainingFiles: [{ fileId: file.id, weight: 1 }], hyperparameters: { trainingSteps: 5 } });
    await waitMistral(mistral, job.id, (j) => j.status !== 'QUEUED' && j.status !== 'VALIDATING');
    const path = `/v1/fine_tuning/jobs/${toOpenAiId('job', job.id)}`;
    await load(port, path, key, 2000); // warm-up
    results[setup.name] = await load(port, path, key, seconds * 1000);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ seconds, concurrency, results }, null, 2));
