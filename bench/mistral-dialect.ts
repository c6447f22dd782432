// Mistral dialect figures, through the official @mistralai/mistralai SDK on an
// in-process server with a fresh data directory:
// - classifier training throughput (samples/s) and held-out accuracy on the
//   two-target sentiment/topic demo task (96 training lines, 4 epochs);
// - classification latency per input through /v1/classifications (p50/p99);
// - the dry_run duration estimate against the measured duration of the same job,
//   on a fresh install (from the device probe) and after one finished job.
//
//   node --import tsx bench/mistral-dialect.ts [latency-calls] [all|estimates]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoTrainingJsonl } from '../src/demo/demo-data.ts';
import type { DeviceProfile } from '../src/planning/device-profile.ts';
import { startServer } from '../test/helpers/server.ts';
import { sentimentJsonl, sentimentRows } from '../test/mistral/classifier-data.ts';
import { createdJob, isOver, mistralClient, uploadMistral, waitMistral } from '../test/mistral/mistral-helpers.ts';
import { DEFAULT_TENANT } from '../test/helpers/tenants.ts';

const calls = Number(process.argv[2] ?? 100);
const section = process.argv[3] ?? 'all';
const t = await startServer();
const client = mistralClient(t);
const jobStats = async (id: string) => (await t.server.ctx.jobs.get(DEFAULT_TENANT, id)).stats;

async function classifierFigures() {
  // Classifier: throughput and accuracy.
  const train = await uploadMistral(client, sentimentJsonl(96, 1));
  const valid = await uploadMistral(client, sentimentJsonl(24, 2), 'valid.jsonl');
  const clfJob = createdJob(await client.fineTuning.jobs.create({
    model: 'selftune-tiny', jobType: 'classifier', autoStart: true,
    trainingFiles: [{ fileId: train.id, weight: 1 }], validationFiles: [valid.id],
    hyperparameters: { learningRate: 1e-3, epochs: 4 },
  }));
  const clf = await waitMistral(client, clfJob.id, isOver);
  if (clf.status !== 'SUCCESS') throw new Error(`classifier job ${clf.status}`);
  const timings = (await jobStats(clf.id)).timings!;
  const trainSeconds = (timings.finished! - timings.trainer_started!) / 1000;
  const samplesPerSecond = (96 * 4) / trainSeconds;
  const heldOut = sentimentRows(200, 9);
  const answer = await client.classifiers.classify({ model: clf.fineTunedModel!, inputs: heldOut.map((r) => r.text) });
  const top = (s: Record<string, number>) => Object.entries(s).sort((a, b) => b[1] - a[1])[0]![0];
  const accuracy = answer.results.filter((r, i) => top(r.sentiment!.scores) === heldOut[i]!.labels.sentiment).length / heldOut.length;

  // Latency: one input per call, after a warm-up call.
  await client.classifiers.classify({ model: clf.fineTunedModel!, inputs: ['warm up'] });
  const latencies: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await client.classifiers.classify({ model: clf.fineTunedModel!, inputs: [heldOut[i % heldOut.length]!.text] });
    latencies.push(performance.now() - t0);
}
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
return {
  classifier: { examples: 96, epochs: 4, train_seconds: +trainSeconds.toFixed(2), samples_per_second: +samplesPerSecond.toFixed(1), held_out_sentiment_accuracy: accuracy, held_out: heldOut.length },
  classify_latency_ms: { calls, p50: +pct(50).toFixed(1), p99: +pct(99).toFixed(1) },
};
}

async function estimateFigures() {

  // dry_run vs measured: on a fresh install (the device probe's FLOP/s), then after that job refined the figure.
  const chat = await uploadMistral(client, demoTrainingJsonl());
  const completion = async () => createdJob(await client.fineTuning.jobs.create({
    model: 'selftune-tiny', autoStart: true, trainingFiles: [{ fileId: chat.id, weight: 1 }], hyperparameters: { learningRate: 1e-3, epochs: 3 },
  }));
  const dryRun = async () => (await (await fetch(`${t.url}/mistral/v1/fine_tuning/jobs?dry_run=true`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'selftune-tiny', training_files: [chat.id], hyperparameters: { learning_rate: 1e-3, epochs: 3 } }),
  })).json()) as { expected_duration_seconds: number; details: string };
  const measured = async (id: string) => {
    await waitMistral(client, id, isOver);
    const st = (await jobStats(id)).timings!;
    return { seconds: (st.finished! - st.claimed!) / 1000, start: (st.trainer_started! - st.claimed!) / 1000, running: (st.finished! - st.trainer_started!) / 1000 };
  };
  const compare = (dry: Awaited<ReturnType<typeof dryRun>>, m: Awaited<ReturnType<typeof measured>>) => ({
    estimated_seconds: dry.expected_duration_seconds, measured_seconds: +m.seconds.toFixed(2), ratio: +(dry.expected_duration_seconds / m.seconds).toFixed(2),
    measured_start_seconds: +m.start.toFixed(2), measured_running_seconds: +m.running.toFixed(2), estimate: dry.details,
  });
  const fresh = compare(await dryRun(), await measured((await completion()).id));
  const refined = compare(await dryRun(), await measured((await completion()).id));
  const profile = JSON.parse(readFileSync(join(t.dataDir, 'device-profile.json'), 'utf8')) as DeviceProfile;
  const device = { flops_per_second: Math.round(profile.flops_per_second), layer_step_seconds: +profile.layer_step_seconds.toFixed(4), startup_seconds: profile.startup_seconds };
  return { dry_run: { device_probe: device, fresh_install: fresh, after_one_job: refined } };
}

const classifier = section === 'all' ? await classifierFigures() : {};
console.log(JSON.stringify({ ...classifier, ...(await estimateFigures()) }, null, 2));
await t.close();
