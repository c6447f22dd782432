import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LORA } from './job-planner.ts';
import { estimateMemory, loraParameters } from './memory-estimate.ts';
import { planTraining, type PlanRequest } from './memory-plan.ts';
import type { ModelFacts } from './model-facts.ts';

/** A Llama's facts from its shape, as model-facts.ts reads them from safetensors headers. */
function llama(hidden: number, intermediate: number, layers: number, vocab: number, pinnedMode: ModelFacts['pinnedMode'] = null): ModelFacts {
  const lin = (name: string, rows: number, cols: number, i: number) => ({ name: `model.layers.${i}.${name}.weight`, rows, cols });
  const layerLinears = Array.from({ length: layers }, (_, i) => [
    lin('self_attn.q_proj', hidden, hidden, i), lin('self_attn.k_proj', hidden, hidden, i), lin('self_attn.v_proj', hidden, hidden, i),
    lin('self_attn.o_proj', hidden, hidden, i), lin('mlp.gate_proj', intermediate, hidden, i), lin('mlp.up_proj', intermediate, hidden, i),
    lin('mlp.down_proj', hidden, intermediate, i),
  ]).flat();
  const embedding = vocab * hidden;
  const parameters = layerLinears.reduce((n, l) => n + l.rows * l.cols, 0) + 2 * embedding + (2 * layers + 1) * hidden;
  return { parameters, embeddingParameters: embedding, layerLinears, hiddenSize: hidden, intermediateSize: intermediate, layers, vocabSize: vocab, heads: hidden / 128, kvHeads: hidden / 128, weightFileBytes: parameters * 2, pinnedMode };
}

const GiB = 2 ** 30;
const request = (facts: ModelFacts, memoryGiB: number, extra: Partial<PlanRequest> = {}): PlanRequest => ({
  facts, device: { kind: 'cuda', memoryBytes: memoryGiB * GiB, baselineBytes: 0.5 * GiB, bf16: true }, task: 'completion', lora: DEFAULT_LORA,
  seqLen: 2048, seqLenPinned: false, stepTokens: 8 * 2048, concurrentJobs: 1, packing: true, ...extra,
});

test('a 7B model gets LoRA, and passes small enough to fit an 80 GiB GPU', () => {
  const facts = llama(4096, 11008, 32, 32000);
  assert.equal(loraParameters(facts, DEFAULT_LORA), 32 * 8 * (4 * 2 * 4096 + 3 * (4096 + 11008)));
  const result = planTraining(request(facts, 80));
  assert.ok('plan' in result, JSON.stringify(result));
  const { plan } = result;
  assert.equal(plan.training_mode, 'lora');
  assert.ok(plan.micro_batch_tokens !== null && plan.micro_batch_tokens < 8 * 2048 && plan.micro_batch_tokens >= 2048);
  assert.ok(plan.estimate.high <= plan.usable_bytes);
  // Full fine-tuning of 7B needs 16 bytes a parameter before any activation: more than the GPU.
  const full = estimateMemory(facts, request(facts, 80).device, { mode: 'full', lora: DEFAULT_LORA, passTokens: 2048, rowTokens: 2048, gradientCheckpointing: true, task: 'completion' });
  assert.ok(full.breakdown.weights + full.breakdown.gradients + full.breakdown.optimizer > 80 * GiB);
});

test('a small model with room is fully fine-tuned a whole step at a time', () => {
  const result = planTraining(request(llama(512, 1408, 8, 8192), 80, { seqLen: 1024, stepTokens: 4 * 1024 }));
  assert.ok('plan' in result);
  assert.deepEqual([result.plan.training_mode, result.plan.gradient_checkpointing, result.plan.micro_batch_tokens], ['full', false, null]);
});

test('concurrent jobs split the memory, and what cannot fit is refused with the numbers and the setting to change', () => {
  const facts = llama(4096, 11008, 32, 32000, 'full');
  const alone = planTraining(request(facts, 80));
  assert.ok('error' in alone);
  assert.equal(alone.error.code, 'insufficient_memory');
  assert.equal(alone.error.param, 'model');
  assert.match(alone.error.message, /with full fine-tuning, gradient checkpointing and 2048 tokens per pass the estimated peak is [\d.]+ GiB .*weights [\d.]+ GiB.*but the GPU has 80\.00 GiB \(72\.00 GiB usable\)/);
  assert.match(alone.error.message, /"training_mode": "lora".*selftune\.json/);
  const small = llama(512, 1408, 8, 8192);
  const shared = planTraining(request(small, 1.2, { concurrentJobs: 4, seqLen: 4096, seqLenPinned: true, stepTokens: 4096 }));
  assert.ok('error' in shared, JSON.stringify(shared));
  assert.equal(shared.error.param, 'hyperparameters.seq_len');
  assert.match(shared.error.message, /usable, shared by 4 concurrent jobs\).*lower hyperparameters\.seq_len \(now 4096\).*SELFTUNE_MAX_CONCURRENT_JOBS/);
});
