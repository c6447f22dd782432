import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataMirror } from './blob-store.ts';
import { checkedRel } from './mirror-paths.ts';

/** No object store: the data directory is the only copy, so there is nothing to fetch, push or remove. */
export class LocalDataMirror implements DataMirror {
  readonly location = null;

  constructor(private readonly dataDir: string) {}

  async fetch(rel: string): Promise<boolean> {
    return access(join(this.dataDir, checkedRel(rel))).then(() => true, () => false);
  }

  async has(rel: string): Promise<boolean> {
    return this.fetch(rel); // the data directory is the store
  }

  async push(rel: string): Promise<void> {
    checkedRel(rel);
  }

  async remove(rel: string): Promise<void> {
    checkedRel(rel);
  }
}
