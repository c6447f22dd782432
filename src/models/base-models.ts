import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBaseModelId } from './base-model-id.ts';
import { inspectModelFolder } from './model-folder.ts';

/** A Hugging Face-format model directory in <data>/models that jobs can fine-tune. */
export interface BaseModel {
  id: string;
  path: string;
  created: number; // ms
  description: string;
  architecture: string;
}

/** A folder in the models directory that is not a usable model, and why. */
export interface UnusableModelFolder {
  id: string;
  path: string;
  created: number; // ms
  reason: string;
}

export interface ModelsScan {
  usable: BaseModel[];
  unusable: UnusableModelFolder[];
}

// Base models are whatever directories the operator placed (or pulled) in the
// models folder: `<name>/` or, for Hugging Face ids, `<org>/<name>/`. The folder
// is the source of truth, so it is read on every lookup (a handful of small
// files) rather than mirrored into the database. Names starting with '.' are
// selftune's own (pulls in progress) and never listed.
export class BaseModels {
  constructor(readonly dir: string) {}

  async list(): Promise<BaseModel[]> {
    return (await this.scan()).usable;
  }

  /** Every folder that looks meant as a model: the usable ones, and the others with their reason. */
  async scan(): Promise<ModelsScan> {
    const found: Array<BaseModel | UnusableModelFolder> = [];
    for (const name of await visibleDirs(this.dir)) {
      const path = join(this.dir, name);
      const ids = (await isOrgFolder(path)) ? (await visibleDirs(path)).map((child) => `${name}/${child}`) : [name];
      found.push(...(await Promise.all(ids.map((id) => this.inspect(id)))));
    }
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    return {
      usable: found.filter((m): m is BaseModel => !('reason' in m)).sort(byId),
      unusable: found.filter((m): m is UnusableModelFolder => 'reason' in m).sort(byId),
    };
  }

  async get(id: string): Promise<BaseModel | undefined> {
    const model = await this.lookup(id);
    return model && !('reason' in model) ? model : undefined;
  }

  /** Why the folder of this id cannot be used; undefined when there is no such folder or it is usable. */
  async unusableReason(id: string): Promise<string | undefined> {
    const model = await this.lookup(id);
    return model && 'reason' in model ? model.reason : undefined;
  }

  private async lookup(id: string): Promise<BaseModel | UnusableModelFolder | undefined> {
    const parsed = parseBaseModelId(id);
    if (!parsed) return undefined;
    const path = join(this.dir, ...parsed.segments);
    const exists = await stat(path).then((s) => s.isDirectory(), () => false);
    if (!exists || (parsed.segments.length === 1 && (await isOrgFolder(path)))) return undefined;
    return this.inspect(id);
  }

  private async inspect(id: string): Promise<BaseModel | UnusableModelFolder> {
    const parsed = parseBaseModelId(id);
    const path = join(this.dir, ...id.split('/'));
    const created = await stat(path).then((s) => s.mtimeMs, () => 0);
    if (!parsed) return { id, path, created, reason: "the folder name is not a valid model id (letters, digits, '-', '_' and '.')" };
    const folder = await inspectModelFolder(path);
    if ('reason' in folder) return { id, path, created, reason: folder.reason };
    return {
      id,
      path,
      created: folder.configTime,
      description: folder.description ?? `${folder.architecture} model from the models directory`,
      architecture: folder.architecture,
    };
  }
}

/** A top-level folder holding only folders is an organization (`Qwen/`); anything else is a model folder. */
async function isOrgFolder(path: string): Promise<boolean> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.length > 0 && entries.every((e) => e.isDirectory());
}

async function visibleDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}
