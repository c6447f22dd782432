// Mistral dialect figures, through the official @mistralai/mistralai SDK on an
// in-process server with a fresh data directory:
// - classifier training throughput (samples/s) and held-out accuracy on the
//   two-target sentiment/topic demo task (96 training lines, 4 epochs);
// - classification latency per input through /v1/classifications (p50/p99);
// - the dry_run duration estimate against the measured duration of the same job.
//
//   node --import tsx bench/mistral-dialect.ts [latency-calls]
import { demoTrainingJsonl } from '../src/demo/demo-data.ts';
import { startServer } from '../test/helpers/server.ts';
import { sentimentJsonl, sentimentRows } from '../test/mistral/classifier-data.ts';
import { createdJob, isOver, mistralClient, uploadMistral, waitMistral } from '../test/mistral/mistral-helpers.ts';

const calls = Number(process.argv[2] ?? 100);
const t = await startServer();
const client = mistralClient(t);
const jobStats = async (id: string) => (await t.server.ctx.jobs.get('org-default', id)).stats;

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

// dry_run vs measured: a first completion job measures the speed, then the same job again.
const chat = await uploadMistral(client, demoTrainingJsonl());
const completion = async () => createdJob(await client.fineTuning.jobs.create({
  model: 'selftune-tiny', autoStart: true, trainingFiles: [{ fileId: chat.id, weight: 1 }], hyperparameters: { learningRate: 1e-3, epochs: 3 },
}));
await waitMistral(client, (await completion()).id, isOver);
const dry = (await (await fetch(`${t.url}/mistral/v1/fine_tuning/jobs?dry_run=true`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'selftune-tiny', training_files: [chat.id], hyperparameters: { learning_rate: 1e-3, epochs: 3 } }),
})).json()) as { expected_duration_seconds: number };
const second = await waitMistral(client, (await completion()).id, isOver);
const st = (await jobStats(second.id)).timings!;
const measured = (st.finished! - st.claimed!) / 1000;

console.log(JSON.stringify({
  classifier: { examples: 96, epochs: 4, train_seconds: +trainSeconds.toFixed(2), samples_per_second: +samplesPerSecond.toFixed(1), held_out_sentiment_accuracy: accuracy, held_out: heldOut.length },
  classify_latency_ms: { calls, p50: +pct(50).toFixed(1), p99: +pct(99).toFixed(1) },
  dry_run: { estimated_seconds: dry.expected_duration_seconds, measured_seconds: +measured.toFixed(2), ratio: +(dry.expected_duration_seconds / measured).toFixed(2) },
}, null, 2));
await t.close();
