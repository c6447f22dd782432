import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataMirror } from '../blobs/blob-store.ts';
import { appError } from '../errors/app-error.ts';

/**
 * This server's copies of trained model folders (`runs/<job>/final`, a
 * checkpoint's `…/model`), paths relative to the data directory. With an object
 * store, several replicas share the models and each data directory is a cache:
 * a folder is fetched from the store the first time this process needs it —
 * concurrent callers share the one download, and a fetch also completes a copy
 * an earlier process left half-written. Without one, the data directory is the
 * only copy and nothing is fetched or removed from a store.
 */
export class ModelCopies {
  /** Folders this process made present (or is fetching), by relative path. */
  private readonly present = new Map<string, Promise<void>>();

  constructor(
    private readonly mirror: DataMirror,
    private readonly dataDir: string,
  ) {}

  /** Whether other servers may share these models (and delete them). */
  get shared(): boolean {
    return this.mirror.location !== null;
  }

  /** Makes the folder present on this server's disk, downloading it once if needed. */
  ensure(rel: string): Promise<void> {
    if (!this.shared) return Promise.resolve();
    let fetching = this.present.get(rel);
    if (!fetching) {
      fetching = this.mirror.fetch(rel).then((found) => {
        if (!found) throw appError('internal_error', `The model's weights (${rel}) are neither on this server nor in object storage.`);
      });
      fetching.catch(() => this.present.delete(rel)); // the next request tries again
      this.present.set(rel, fetching);
    }
    return fetching;
  }

  /** Drops this server's copy (the model was deleted); `removeFolder` false keeps files that belong to a job's run. */
  async discard(rel: string, removeFolder: boolean): Promise<void> {
    this.present.delete(rel);
    if (removeFolder) await rm(join(this.dataDir, rel), { recursive: true, force: true });
  }

  /** Deletes the folder's objects from the store (a no-op without one). */
  removeStored(rel: string): Promise<void> {
    return this.mirror.remove(rel);
  }
}
