import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import { trainerDir } from '../../src/config/paths.ts';

export interface LlamaDims {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
}

// A random Llama from a fixed seed with selftune-tiny's byte tokenizer (the
// model's vocabulary may be larger than the tokenizer's: the extra rows are
// never indexed, but cost memory and logits like a real vocabulary).
const MAKE = `
import json, sys, torch
from transformers import LlamaConfig, LlamaForCausalLM
from selftune_trainer.tiny_model import build_tokenizer
out, dims = sys.argv[1], json.loads(sys.argv[2])
tok = build_tokenizer()
torch.manual_seed(7)
config = LlamaConfig(**dims, num_key_value_heads=dims["num_attention_heads"], max_position_embeddings=2048,
                     bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                     tie_word_embeddings=False)
LlamaForCausalLM(config).save_pretrained(out)
tok.save_pretrained(out)
`;

export const python = () => loadConfig().python;

/** Writes a model folder at `dir`; `pinnedMode` goes into its selftune.json. */
export function makeLlama(dir: string, dims: LlamaDims, pinnedMode?: 'full' | 'lora'): string {
  const run = spawnSync(python(), ['-c', MAKE, dir, JSON.stringify(dims)], { env: { ...process.env, PYTHONPATH: trainerDir }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`making ${dir} failed: ${run.stderr}`);
  if (pinnedMode) writeFileSync(join(dir, 'selftune.json'), JSON.stringify({ training_mode: pinnedMode }));
  return dir;
}
