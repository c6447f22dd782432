import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { trainerDir } from '../../src/config/paths.ts';
import type { TrainerEvent } from '../../src/executors/trainer-protocol.ts';
import { runPythonTool } from '../../src/jobs/python-tool.ts';
import { DEFAULT_LORA } from '../../src/planning/job-planner.ts';
import { type DeviceMemory, estimateMemory } from '../../src/planning/memory-estimate.ts';
import { type ModelFacts, readModelFacts } from '../../src/planning/model-facts.ts';
import { tempDir } from '../helpers/server.ts';
import { makeLlama, python } from './test-models.ts';

// The planner's bracket against the real trainer's measured peak (the
// `completed` event's peak_memory_bytes): a 13M-parameter Llama, where
// weights, optimizer state, activations and logits all weigh against the
// runtime, trained for two steps at several settings.

const SEQ = 256;
let dir: string;
let facts: ModelFacts;
let device: DeviceMemory;

before(async () => {
  dir = await tempDir('bracket');
  const model = makeLlama(join(dir, 'm13'), { vocab_size: 8192, hidden_size: 384, intermediate_size: 1024, num_hidden_layers: 4, num_attention_heads: 6 });
  facts = await readModelFacts(model);
  const probe = (await runPythonTool({ python: python(), trainerDir }, ['probe-device'])) as { device: 'cpu' | 'cuda'; memory_bytes: number; runtime_baseline_bytes: number; bf16: boolean };
  device = { kind: probe.device, memoryBytes: probe.memory_bytes, baselineBytes: probe.runtime_baseline_bytes, bf16: probe.bf16 };
  // Every example is longer than the sequence limit, so each row is exactly SEQ tokens.
  const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `${i} ${'abcdefghij '.repeat(40)}` }));
  await writeFile(join(dir, 'train.jsonl'), lines.join('\n') + '\n');
});
after(() => rm(dir, { recursive: true, force: true }));

/** Runs the trainer on a spec, as the server does; returns its events. */
async function train(name: string, spec: Record<string, unknown>): Promise<TrainerEvent[]> {
  const out = join(dir, name);
  await mkdir(out, { recursive: true });
  const specPath = join(out, 'spec.json');
  await writeFile(specPath, JSON.stringify({
    job_id: name, base_model_path: join(dir, 'm13'), output_dir: out, training_files: [{ path: join(dir, 'train.jsonl'), weight: 1 }],
    training_steps: 2, max_seq_len: SEQ, keep_checkpoints: 1, seed: 3, ...spec,
  }));
  const child = spawn(python(), ['-m', 'selftune_trainer', 'train', '--spec', specPath], { env: { ...process.env, PYTHONPATH: trainerDir }, stdio: ['pipe', 'pipe', 'ignore'] });
  const events: TrainerEvent[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const e = JSON.parse(line) as TrainerEvent;
    events.push(e);
    if (e.event === 'completed' || e.event === 'failed') break;
  }
  child.stdin.end();
  return events;
}

const cases = [
  { name: 'full, 4 rows per pass', mode: 'full', batch: 4, checkpointing: false },
  { name: 'full, 1 row per pass', mode: 'full', batch: 1, checkpointing: false },
  { name: 'LoRA, 4 rows per pass', mode: 'lora', batch: 4, checkpointing: false },
  { name: 'full, 4 rows per pass, gradient checkpointing', mode: 'full', batch: 4, checkpointing: true },
] as const;

for (const c of cases) {
  test(`the estimate brackets the measured peak: ${c.name}`, async (t) => {
    const events = await train(c.name.replace(/\W+/g, '-'), { training_mode: c.mode, batch_size: c.batch, gradient_checkpointing: c.checkpointing, lora: DEFAULT_LORA });
    const started = events.find((e) => e.event === 'started');
    const completed = events.find((e) => e.event === 'completed');
    assert.ok(started?.event === 'started' && completed?.event === 'completed', JSON.stringify(events.at(-1)));
    if (c.checkpointing && started.gradient_checkpointing !== true) return t.skip('this trainer does not apply gradient_checkpointing yet');
    const passTokens = c.batch * SEQ;
    const e = estimateMemory(facts, device, {
      mode: c.mode, lora: DEFAULT_LORA, passTokens, rowTokens: started.packing ? passTokens : SEQ, gradientCheckpointing: c.checkpointing, task: 'completion',
    });
    const measured = completed.peak_memory_bytes!;
    const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
    t.diagnostic(`measured ${mib(measured)}; estimated ${mib(e.peak)} (${mib(e.low)}–${mib(e.high)})`);
    assert.ok(e.low <= measured && measured <= e.high, `measured ${mib(measured)} outside ${mib(e.low)}–${mib(e.high)}: ${JSON.stringify(e.breakdown)}`);
  });
}
