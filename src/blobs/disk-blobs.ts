import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore } from './blob-store.ts';
import type { DiskReserve } from './disk-space.ts';

// Blobs (uploaded files, result files) live as plain files below one folder.
// Writers stage into a temp folder on the same disk and rename into place, so
// a blob is either whole or absent — a crash never leaves half a file.
export class DiskBlobs implements BlobStore {
  constructor(
    private readonly root: string,
    private readonly staging: string,
    private readonly reserve: DiskReserve,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await rm(this.staging, { recursive: true, force: true }); // leftovers of an interrupted upload
    await mkdir(this.staging, { recursive: true });
    await this.reserve.hold(); // on a disk already full it is claimed once space is freed
  }

  /** Runs a write that frees space (a delete); on a full disk it may use the reserve. */
  freeingSpace<T>(write: () => Promise<T>): Promise<T> {
    return this.reserve.withRoom(write);
  }

  private pathOf(key: string): string {
    return join(this.root, key);
  }

  stagingPath(name: string): string {
    return join(this.staging, name);
  }

  /**
   * Moves a staged upload into the store under `key`. The disk reserve comes
   * first: an upload is refused (ENOSPC) while the reserve cannot be kept.
   */
  async commit(stagedPath: string, key: string): Promise<void> {
    if (!(await this.reserve.hold())) throw Object.assign(new Error('ENOSPC: no room left for the disk reserve'), { code: 'ENOSPC' });
    await this.moveIntoPlace(stagedPath, key);
  }

  /** Stores content the server made itself (a job's results), reserve or not. */
  async put(key: string, content: Buffer | string): Promise<void> {
    const staged = this.stagingPath(`${key.replace(/\W/g, '_')}.${process.pid}.${Date.now()}`);
    try {
      await writeFile(staged, content);
      await this.moveIntoPlace(staged, key);
    } catch (err) {
      await rm(staged, { force: true }); // a full disk leaves no half-written file behind
      throw err;
    }
  }

  private async moveIntoPlace(stagedPath: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(stagedPath, target);
  }

  async read(key: string): Promise<Readable> {
    return createReadStream(this.pathOf(key));
  }

  async size(key: string): Promise<number> {
    return (await stat(this.pathOf(key))).size;
  }

  /** Deletes a blob, then claims the disk reserve again if a delete used it. */
  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await this.reserve.hold();
  }
}
