import { after, test } from 'node:test';
import { upload, uploadDemo, waitForStep } from '../helpers/jobs.ts';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { descendants, exited, isAlive, type Proc, serverProcess, until } from './processes.ts';
import { LONG_WAIT_MS } from '../helpers/wait.ts';

// SIGKILL of the server gives it no chance to stop anything: its trainer, its
// parked standby trainer and its inference worker must notice by themselves
// (trainer/selftune_trainer/parent_watch.py) and exit.

const cleanups: Array<() => Promise<unknown>> = [];
after(() => Promise.all(cleanups.map((c) => c())));

// The job's trainer may itself have started as the standby (`train --standby`), so trainers are told apart by count.
const kindOf = (p: Proc) => (/serve-inference/.test(p.args) ? 'inference' : /selftune_trainer train/.test(p.args) ? 'trainer' : 'other');

test('a SIGKILLed server\'s trainer, standby trainer and inference worker all exit', async (t) => {
  const { client, url, process: server } = await serverProcess('server-killed', cleanups);
  const { training } = await uploadDemo(client);
  const job = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 20 }, seed: 31 });
  await waitForStep(client, job.id, 3);
  await upload(client, demoTrainingJsonl(), 'next.jsonl'); // a training file on its way: a standby trainer is parked

  // An inference request in flight: the worker is generating when the server dies.
  const chat = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify({ model: 'selftune-tiny', messages: [{ role: 'user', content: 'Tell me everything.' }], max_tokens: 4000, stream: true }),
  });
  const reader = chat.body!.getReader();
  await reader.read(); // the first chunk: generation has begun

  let children: Proc[] = [];
  await until(() => {
    children = descendants(server.pid!);
    const kinds = children.map(kindOf);
    return kinds.filter((k) => k === 'trainer').length >= 2 && kinds.includes('inference');
  }, 'the job\'s trainer, a standby trainer and an inference worker', LONG_WAIT_MS, 200);

  server.kill('SIGKILL');
  await exited(server);
  const killedAt = Date.now();
  const goneAt = new Map<number, number>();
  await until(() => {
    for (const p of children) if (!goneAt.has(p.pid) && !isAlive(p.pid)) goneAt.set(p.pid, Date.now() - killedAt);
    return goneAt.size === children.length;
  }, 'every child of the killed server exits', LONG_WAIT_MS, 20);
  await reader.cancel().catch(() => {}); // the connection died with the server
  for (const p of children) t.diagnostic(`${kindOf(p)} (pid ${p.pid}) gone ${goneAt.get(p.pid)} ms after the server`);
  const slowest = Math.max(...goneAt.values());
  t.diagnostic(`slowest child: ${slowest} ms`);
  // No bound on the figure: on a busy machine seconds stretch. That every child exited at all, with
  // nobody but the dead server to end it, is the claim; the figure is reported above.
});
