// Time from jobs.create to succeeded for the demo job (24 examples, 3 epochs on
// selftune-tiny), split into validation, queue wait, worker start and training,
// plus the peak memory of the server and the worker. Runs the real `selftune
// serve` binary on a fresh data directory.
//
//   node --import tsx bench/job-timeline.ts [runs] [seconds between upload and create]
// SELFTUNE_TRAINER_STANDBY=false measures without the pre-imported trainer.
import { rm } from 'node:fs/promises';
import OpenAI from 'openai';
import { openStore } from '../src/db/backend.ts';
import { dataPaths } from '../src/config/paths.ts';
import { jobFromRow } from '../src/jobs/job.codec.ts';
import { parseRecordId } from '../src/ids/ids.ts';
import { uploadDemo, waitForJob, isFinished } from '../test/helpers/jobs.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../test/helpers/server.ts';
import { watchMemory } from './proc-memory.ts';

const runs = Number(process.argv[2] ?? 3);
const gapMs = Number(process.argv[3] ?? 0) * 1000; // a user reading the upload's reply before creating the job
const results: Array<Record<string, number | string | null>> = [];
for (let i = 0; i < runs; i++) {
  const dataDir = await tempDir('bench');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const server = spawnServer(dataDir, port);
  await waitForHealth(url);
  const startMs = Date.now() - started;
  const memory = watchMemory(server.pid!);
  const client = new OpenAI({ apiKey: 'bench', baseURL: `${url}/v1` });
  const { training } = await uploadDemo(client);
  await new Promise((r) => setTimeout(r, gapMs));
  const t0 = Date.now();
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 3 }, seed: 1 });
  const done = await waitForJob(client, job.id, isFinished);
  const wallMs = Date.now() - t0;
  memory.stop();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  const store = openStore(null, dataPaths(dataDir).database);
  const row = await store.db.selectFrom('jobs').selectAll().where('id', '=', parseRecordId('job', job.id)!).executeTakeFirstOrThrow();
  await store.close();
  const t = jobFromRow(row).stats.timings!;
  results.push({
    status: done.status,
    create_to_succeeded_s: wallMs / 1000,
    validation_s: (t.validation_finished! - t.created!) / 1000,
    queue_wait_s: (t.claimed! - t.validation_finished!) / 1000,
    worker_start_s: (t.trainer_started! - t.claimed!) / 1000,
    training_s: (t.finished! - t.trainer_started!) / 1000,
    trained_tokens: done.trained_tokens,
    server_start_to_healthy_s: startMs / 1000,
    peak_server_mib: Math.round(memory.peaks.server),
    peak_worker_mib: Math.round(memory.peaks.worker),
  });
  await rm(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const keys = Object.keys(results[0]!).filter((k) => typeof (results[0] as Record<string, unknown>)[k] === 'number');
console.log('median', JSON.stringify(Object.fromEntries(keys.map((k) => [k, median(results.map((r) => (r as Record<string, number>)[k]!))]))));
