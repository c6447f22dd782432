import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What memory and FLOP estimates need to know about a model folder, read without loading its weights. */
export interface ModelFacts {
  parameters: number;
  /** Input-embedding parameters: a lookup, not a matmul, so they cost memory but no FLOPs. */
  embeddingParameters: number;
  /** Parameters of the 2-D weights inside the decoder layers, by name: what LoRA can adapt. */
  layerLinears: Array<{ name: string; rows: number; cols: number }>;
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  vocabSize: number;
  heads: number;
  kvHeads: number;
  /** Bytes of the weight files (what loading maps into memory). */
  weightFileBytes: number;
  /** `training_mode` pinned in the folder's selftune.json, if any. */
  pinnedMode: 'full' | 'lora' | null;
}

interface HfConfig {
  hidden_size?: number;
  n_embd?: number;
  d_model?: number;
  intermediate_size?: number;
  n_inner?: number;
  num_hidden_layers?: number;
  n_layer?: number;
  vocab_size?: number;
  num_attention_heads?: number;
  n_head?: number;
  num_key_value_heads?: number;
  tie_word_embeddings?: boolean;
  text_config?: HfConfig;
}

interface TensorInfo {
  dtype: string;
  shape: number[];
}

/** Reads config.json, selftune.json and the safetensors headers (an 8-byte length, then JSON) of a model folder. */
export async function readModelFacts(dir: string): Promise<ModelFacts> {
  const raw = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as HfConfig;
  const config = raw.text_config ? { ...raw, ...raw.text_config } : raw;
  const hiddenSize = config.hidden_size ?? config.n_embd ?? config.d_model ?? 0;
  const layers = config.num_hidden_layers ?? config.n_layer ?? 0;
  const vocabSize = config.vocab_size ?? 0;
  const heads = config.num_attention_heads ?? config.n_head ?? 1;
  const intermediateSize = config.intermediate_size ?? config.n_inner ?? 4 * hiddenSize;
  if (!hiddenSize || !layers || !vocabSize) throw new Error(`${join(dir, 'config.json')} does not give hidden_size, num_hidden_layers and vocab_size`);
  const tensors = await readSafetensorsHeaders(dir);
  const pinned = await readFile(join(dir, 'selftune.json'), 'utf8').then((t) => (JSON.parse(t) as { training_mode?: unknown }).training_mode, () => undefined);
  const facts = {
    hiddenSize,
    intermediateSize,
    layers,
    vocabSize,
    heads,
    kvHeads: config.num_key_value_heads ?? heads,
    pinnedMode: pinned === 'full' || pinned === 'lora' ? pinned : null,
  } as const;
  if (tensors) {
    const count = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
    const all = [...tensors.entries.entries()];
    return {
      ...facts,
      parameters: all.reduce((n, [, t]) => n + count(t), 0),
      embeddingParameters: all.filter(([name]) => /embed_tokens|\bwte\b|word_embeddings/.test(name)).reduce((n, [, t]) => n + count(t), 0),
      layerLinears: all.filter(([name, t]) => t.shape.length === 2 && /\.(layers|h|blocks)\.\d+\./.test(name)).map(([name, t]) => ({ name, rows: t.shape[0]!, cols: t.shape[1]! })),
      weightFileBytes: tensors.bytes,
    };
  }
  // No safetensors: a Llama-shaped count from the config (the common decoder layout).
  const headDim = hiddenSize / heads;
  const kv = facts.kvHeads * headDim;
  const linear = (name: string, rows: number, cols: number, i: number) => ({ name: `model.layers.${i}.${name}.weight`, rows, cols });
  const layerLinears = Array.from({ length: layers }, (_, i) => [
    linear('self_attn.q_proj', hiddenSize, hiddenSize, i), linear('self_attn.k_proj', kv, hiddenSize, i), linear('self_attn.v_proj', kv, hiddenSize, i),
    linear('self_attn.o_proj', hiddenSize, hiddenSize, i), linear('mlp.gate_proj', intermediateSize, hiddenSize, i),
    linear('mlp.up_proj', intermediateSize, hiddenSize, i), linear('mlp.down_proj', hiddenSize, intermediateSize, i),
  ]).flat();
  const embedding = vocabSize * hiddenSize;
  const parameters = layerLinears.reduce((n, l) => n + l.rows * l.cols, 0) + embedding * (raw.tie_word_embeddings ? 1 : 2) + (2 * layers + 1) * hiddenSize;
  return { ...facts, parameters, embeddingParameters: embedding, layerLinears, weightFileBytes: await weightBytes(dir) };
}

async function readSafetensorsHeaders(dir: string): Promise<{ entries: Map<string, TensorInfo>; bytes: number } | null> {
  const index = await readFile(join(dir, 'model.safetensors.index.json'), 'utf8').then((t) => JSON.parse(t) as { weight_map: Record<string, string> }, () => null);
  const files = index ? [...new Set(Object.values(index.weight_map))] : ['model.safetensors'];
  const entries = new Map<string, TensorInfo>();
  let bytes = 0;
  for (const file of files) {
    const path = join(dir, file);
    const handle = await open(path).catch(() => null);
    if (!handle) return null;
    try {
      const lengthBuf = Buffer.alloc(8);
      await handle.read(lengthBuf, 0, 8, 0);
      const length = Number(lengthBuf.readBigUInt64LE(0));
      if (length <= 0 || length > 100 * 1024 * 1024) throw new Error(`${path} has no valid safetensors header`);
      const header = Buffer.alloc(length);
      await handle.read(header, 0, length, 8);
      for (const [name, info] of Object.entries(JSON.parse(header.toString('utf8')) as Record<string, TensorInfo>)) {
        if (name !== '__metadata__') entries.set(name, info);
      }
      bytes += (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }
  return { entries, bytes };
}

async function weightBytes(dir: string): Promise<number> {
  for (const name of ['pytorch_model.bin', 'model.bin']) {
    const size = await stat(join(dir, name)).then((s) => s.size, () => 0);
    if (size) return size;
  }
  return 0;
}
