import assert from 'node:assert/strict';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { parseRecordId } from '../../src/ids/ids.ts';
import type { DeviceProfile } from '../../src/planning/device-profile.ts';
import { DEFAULT_LORA } from '../../src/planning/job-planner.ts';
import { type DeviceMemory, estimateMemory, type TrainingSettings } from '../../src/planning/memory-estimate.ts';
import { USABLE_SHARE } from '../../src/planning/memory-plan.ts';
import { readModelFacts } from '../../src/planning/model-facts.ts';
import { isFinished, upload, waitForJob } from '../helpers/jobs.ts';
import { startServer, tempDir } from '../helpers/server.ts';
import { createJob, mistralClient, uploadMistral, waitMistral } from '../mistral/mistral-helpers.ts';
import { makeLlama } from './test-models.ts';
import { DEFAULT_TENANT } from '../helpers/tenants.ts';

// Memory plans and first-job estimates through the real server and both SDKs,
// on one data directory started three times: first as a fresh install, then
// with SELFTUNE_DEVICE_MEMORY_BYTES set between what one plan needs and what
// another does, so the planner must choose (or refuse).

let dataDir: string;
let profile: DeviceProfile;
const readProfile = async () => JSON.parse(await readFile(join(dataDir, 'device-profile.json'), 'utf8')) as DeviceProfile;
const device = (): DeviceMemory => ({ kind: profile.device, memoryBytes: 0, baselineBytes: profile.runtime_baseline_bytes, bf16: profile.bf16 });
const settings = (mode: 'full' | 'lora', tokens: number, gradientCheckpointing: boolean): TrainingSettings =>
  ({ mode, lora: DEFAULT_LORA, passTokens: tokens, rowTokens: tokens, gradientCheckpointing, task: 'completion' });
/** The override that leaves `usable` bytes to plan with. */
const overrideFor = (usable: number) => Math.round(usable / USABLE_SHARE);

before(async () => {
  dataDir = await tempDir('plans');
  const models = join(dataDir, 'models');
  await mkdir(models, { recursive: true });
  // 34M parameters: weights, gradients and AdamW state (16 bytes a parameter) outweigh the rest at short sequences.
  makeLlama(join(models, 'plan-34m'), { vocab_size: 8192, hidden_size: 512, intermediate_size: 1408, num_hidden_layers: 8, num_attention_heads: 8 });
  await cp(join(models, 'plan-34m'), join(models, 'plan-34m-full'), { recursive: true });
  await writeFile(join(models, 'plan-34m-full', 'selftune.json'), JSON.stringify({ training_mode: 'full' }));
});
after(() => rm(dataDir, { recursive: true, force: true }));

test('a fresh install measures the device once and dry_run answers with a duration', async () => {
  const t = await startServer({ dataDir, deviceProfile: '' }); // the real probe, not the profile the suite measured once
  try {
    const client = mistralClient(t);
    const file = await uploadMistral(client, demoTrainingJsonl());
    const res = await fetch(`${t.url}/mistral/v1/fine_tuning/jobs?dry_run=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'selftune-tiny', training_files: [file.id], hyperparameters: { epochs: 3 } }),
    });
    const dry = (await res.json()) as { expected_duration_seconds: unknown; details: string };
    assert.equal(res.status, 200, JSON.stringify(dry));
    assert.ok(typeof dry.expected_duration_seconds === 'number' && dry.expected_duration_seconds > 0, JSON.stringify(dry));
    assert.match(dry.details, /device probe/);
  } finally {
    await t.close();
  }
  profile = await readProfile();
  assert.ok(profile.flops_per_second > 0 && profile.memory_bytes > 0 && profile.runtime_baseline_bytes > 0, JSON.stringify(profile));
  assert.deepEqual(profile.jobs, {});
});

test('auto picks LoRA when full fine-tuning does not fit; a pinned plan that cannot fit fails validation in both dialects', async () => {
  const facts = await readModelFacts(join(dataDir, 'models', 'plan-34m'));
  const lora = estimateMemory(facts, device(), settings('lora', 128, false));
  const fullAtLeast = estimateMemory(facts, device(), settings('full', 128, true));
  assert.ok(lora.high < fullAtLeast.peak, 'the test model must separate LoRA from full fine-tuning');
  const t = await startServer({ dataDir, deviceMemoryBytes: overrideFor((lora.high + fullAtLeast.peak) / 2) });
  try {
    const client = mistralClient(t);
    const file = await uploadMistral(client, demoTrainingJsonl());
    const create = (model: string) => createJob(client, { model, trainingFiles: [{ fileId: file.id, weight: 1 }], hyperparameters: { seqLen: 128, trainingSteps: 2 }, autoStart: false });

    const auto = await waitMistral(client, (await create('plan-34m')).id, (j) => j.status !== 'VALIDATING' && j.status !== 'QUEUED');
    assert.equal(auto.status, 'VALIDATED', JSON.stringify(auto.events?.at(-1)));
    const plan = (await t.server.ctx.jobs.get(DEFAULT_TENANT, auto.id)).stats.plan!;
    assert.equal(plan.training_mode, 'lora');
    assert.equal(plan.gradient_checkpointing, false);
    assert.ok(plan.estimate.high <= plan.usable_bytes, JSON.stringify(plan));
    assert.ok(typeof auto.metadata?.expectedDurationSeconds === 'number' && auto.metadata.expectedDurationSeconds > 0, JSON.stringify(auto.metadata));

    const pinned = await waitMistral(client, (await create('plan-34m-full')).id, (j) => j.status !== 'VALIDATING' && j.status !== 'QUEUED');
    assert.equal(pinned.status, 'FAILED_VALIDATION');
    const reason = (pinned.events!.at(-1)!.data as { error: string }).error;
    assert.match(reason, /estimated peak is [\d.]+ GiB \([\d.]+ GiB–[\d.]+ GiB: baseline [\d.]+ GiB, weights [\d.]+ GiB, gradients [\d.]+ GiB, optimizer [\d.]+ GiB, activations [\d.]+ GiB, logits [\d.]+ GiB\), but the (machine|GPU) has [\d.]+ GiB/);
    assert.match(reason, /"training_mode": "lora".*selftune\.json; lower hyperparameters\.seq_len \(now 128\)/);

    const openaiFile = await upload(t.client, demoTrainingJsonl());
    const job = await t.client.fineTuning.jobs.create({ model: 'plan-34m-full', training_file: openaiFile.id });
    const failed = await waitForJob(t.client, job.id, isFinished);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'insufficient_memory');
    assert.match(failed.error!.message, /estimated peak is [\d.]+ GiB.*selftune\.json/);
  } finally {
    await t.close();
  }
  assert.equal((await readProfile()).measured_at, profile.measured_at, 'a second start reuses the measured profile');
});

test('short of memory, a job gets gradient checkpointing and smaller micro-batches, and the trainer is told so', async () => {
  const facts = await readModelFacts(join(dataDir, 'models', 'selftune-tiny'));
  const fits = estimateMemory(facts, device(), settings('full', 2048, true)).high;
  const tooBig = Math.min(estimateMemory(facts, device(), settings('full', 2048, false)).high, estimateMemory(facts, device(), settings('full', 4096, true)).high);
  assert.ok(fits < tooBig);
  const t = await startServer({ dataDir, deviceMemoryBytes: overrideFor((fits + tooBig) / 2), maxSeqLen: 2048 });
  try {
    const file = await upload(t.client, demoTrainingJsonl());
    const job = await t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: file.id, hyperparameters: { batch_size: 4, n_epochs: 1 } });
    const done = await waitForJob(t.client, job.id, isFinished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const id = parseRecordId('job', job.id)!;
    const stats = (await t.server.ctx.jobs.get(DEFAULT_TENANT, id)).stats;
    assert.deepEqual([stats.plan?.training_mode, stats.plan?.gradient_checkpointing, stats.plan?.micro_batch_tokens], ['full', true, 2048]);
    const spec = JSON.parse(await readFile(join(dataDir, 'runs', id, 'spec.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([spec.training_mode, spec.gradient_checkpointing, spec.micro_batch_tokens], ['full', true, 2048]);
    assert.ok(stats.peak_memory_bytes! > profile.runtime_baseline_bytes / 2, `peak ${stats.peak_memory_bytes}`);
    // The finished job refined the device's figure for its kind of job.
    const refined = await readProfile();
    assert.equal(refined.measured_at, profile.measured_at);
    const kind = Object.values(refined.jobs)[0];
    assert.ok(kind && kind.last_job === id && kind.flops_per_second > 0, JSON.stringify(refined.jobs));
  } finally {
    await t.close();
  }
});
