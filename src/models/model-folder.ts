import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export type FolderInspection =
  | { architecture: string; description: string | undefined; configTime: number }
  | { reason: string };

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer.model', 'vocab.json', 'spiece.model', 'tokenizer.tiktoken'];
const WEIGHTS = /^(?:.+\.safetensors|pytorch_model(?:-\d+-of-\d+)?\.bin)$/;
const SHARD_INDEXES = ['model.safetensors.index.json', 'pytorch_model.bin.index.json'];

/**
 * Whether a folder holds a Hugging Face model selftune can load (config,
 * weights, tokenizer, a readable selftune.json if any), and if not, the first
 * thing that is wrong, in words an operator can act on.
 */
export async function inspectModelFolder(path: string): Promise<FolderInspection> {
  const names = await readdir(path).catch((e: NodeJS.ErrnoException) => e);
  if (names instanceof Error) return { reason: `the folder cannot be read (${names.code ?? names.message})` };
  if (!names.includes('config.json')) return { reason: names.length ? 'no config.json' : 'empty folder' };
  const config = await readJson(join(path, 'config.json'));
  if ('reason' in config) return config;
  if (!config.value || typeof config.value !== 'object' || Array.isArray(config.value)) return { reason: 'config.json is not a JSON object' };
  const { architectures, model_type: modelType } = config.value as { architectures?: unknown; model_type?: unknown };
  if (typeof modelType !== 'string' && !Array.isArray(architectures)) return { reason: 'config.json names no model_type or architectures' };

  for (const index of SHARD_INDEXES.filter((n) => names.includes(n))) {
    const parsed = await readJson(join(path, index));
    if ('reason' in parsed) return parsed;
    const shards = new Set(Object.values((parsed.value as { weight_map?: Record<string, string> }).weight_map ?? {}));
    const missing = [...shards].find((s) => !names.includes(s));
    if (missing) return { reason: `weight shard ${missing} named in ${index} is missing` };
  }
  if (!names.some((n) => WEIGHTS.test(n))) return { reason: 'no weights (*.safetensors or pytorch_model.bin)' };
  if (!names.some((n) => TOKENIZER_FILES.includes(n))) return { reason: `no tokenizer (${TOKENIZER_FILES.slice(0, 3).join(', ')} …)` };

  let description: string | undefined;
  if (names.includes('selftune.json')) {
    const extra = await readJson(join(path, 'selftune.json'));
    if ('reason' in extra) return extra;
    description = (extra.value as { description?: string } | null)?.description;
  }
  const configTime = (await stat(join(path, 'config.json'))).mtimeMs;
  const architecture = Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : String(modelType);
  return { architecture, description, configTime };
}

async function readJson(path: string): Promise<{ value: unknown } | { reason: string }> {
  const name = basename(path);
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => e);
  if (text instanceof Error) return { reason: `${name} cannot be read (${text.code ?? text.message})` };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { reason: `${name} is not valid JSON (${(e as Error).message})` };
  }
}
