// Time to validate Mistral jobs, whose validation counts the data's tokens for
// the estimate: N jobs created at once through the official SDK (auto_start
// off, so each stops in VALIDATED), then N dry runs one after another, on an
// in-process server over a fresh data directory. The device profile is measured
// before the clock starts (once per data directory, not per job), so the figures
// are the validations' own. CPU seconds are this process's plus its children's
// that have exited (the warm token counter's are not among them, and are shown
// from /proc while it runs).
//
//   node --import tsx bench/validate-mistral-jobs.ts [jobs]
import { readFileSync } from 'node:fs';
import { demoTrainingJsonl } from '../src/demo/demo-data.ts';
import { startServer } from '../test/helpers/server.ts';
import { createJob, isOver, mistralClient, uploadMistral, waitMistral } from '../test/mistral/mistral-helpers.ts';

const n = Number(process.argv[2] ?? 25);
const t = await startServer();
const client = mistralClient(t);
const training = await uploadMistral(client, demoTrainingJsonl());

/** CPU seconds of this process and its exited children (getrusage), and of live children by /proc. */
function cpuSeconds(): number {
  const ticks = (pid: string) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    } catch {
      return 0;
    }
  };
  const children = (readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  return (ticks(String(process.pid)) + children.reduce((s, pid) => s + ticks(pid), 0)) / 100;
}

const request = { model: 'selftune-tiny', trainingFiles: [{ fileId: training.id, weight: 1 }], hyperparameters: { learningRate: 1e-3, epochs: 1 } };
const dryRun = async () => {
  const res = await fetch(`${t.url}/mistral/v1/fine_tuning/jobs?dry_run=true`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'selftune-tiny', training_files: [training.id], hyperparameters: { epochs: 1 } }),
  });
  if (res.status !== 200) throw new Error(`dry run: ${res.status} ${await res.text()}`);
  return (await res.json()) as { data_tokens: number };
};

// The device probe runs once per data directory and the first count starts the token counter: a first
// dry run waits for both, so it is shown apart.
const warm = performance.now();
const warmDry = await dryRun();
const warmWall = (performance.now() - warm) / 1000;
const first = { cpu: cpuSeconds(), at: performance.now() };
const jobs = await Promise.all(Array.from({ length: n }, () => createJob(client, { ...request, autoStart: false })));
const validated = await Promise.all(jobs.map((j) => waitMistral(client, j.id, (x) => x.status === 'VALIDATED' || isOver(x), 3_600_000)));
const jobsWall = (performance.now() - first.at) / 1000;
const jobsCpu = cpuSeconds() - first.cpu;
if (validated.some((j) => j.status !== 'VALIDATED')) throw new Error(`not validated: ${validated.map((j) => j.status).join(',')}`);

const dry = { cpu: cpuSeconds(), at: performance.now() };
const each: number[] = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const r = await dryRun();
  if (r.data_tokens !== warmDry.data_tokens) throw new Error('a dry run counted differently');
  each.push(performance.now() - t0);
}
const dryWall = (performance.now() - dry.at) / 1000;
each.sort((a, b) => a - b);
console.log(JSON.stringify({
  jobs: n,
  data_tokens: warmDry.data_tokens,
  first_dry_run_seconds: +warmWall.toFixed(2),
  validate_jobs: { wall_seconds: +jobsWall.toFixed(2), cpu_seconds: +jobsCpu.toFixed(1) },
  dry_runs: { wall_seconds: +dryWall.toFixed(2), cpu_seconds: +(cpuSeconds() - dry.cpu).toFixed(1), p50_ms: +each[Math.floor(n / 2)]!.toFixed(1), max_ms: +each.at(-1)!.toFixed(1) },
}, null, 2));
await t.close();
