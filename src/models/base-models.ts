import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A Hugging Face-format model directory in <data>/models that jobs can fine-tune. */
export interface BaseModel {
  id: string;
  path: string;
  created: number; // ms
  description: string;
  architecture: string;
}

// Base models are whatever directories the operator placed in the models
// folder; the folder is the source of truth, so it is read on every lookup
// (a handful of small JSON files) rather than mirrored into the database.
export class BaseModels {
  constructor(private readonly dir: string) {}

  async list(): Promise<BaseModel[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const models = await Promise.all(names.filter((n) => !n.startsWith('.')).map((n) => this.get(n)));
    return models.filter((m): m is BaseModel => m !== undefined).sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<BaseModel | undefined> {
    if (id.includes('/') || id.includes('..') || id.startsWith('ft:')) return undefined;
    const path = join(this.dir, id);
    try {
      const config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8')) as { architectures?: string[] };
      const extra = await readFile(join(path, 'selftune.json'), 'utf8')
        .then((t) => JSON.parse(t) as { description?: string })
        .catch(() => ({}) as { description?: string });
      const architecture = config.architectures?.[0] ?? 'unknown';
      return {
        id,
        path,
        created: (await stat(join(path, 'config.json'))).mtimeMs,
        description: extra.description ?? `${architecture} model from the models directory`,
        architecture,
      };
    } catch {
      return undefined;
    }
  }
}
