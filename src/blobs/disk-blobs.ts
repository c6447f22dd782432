import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// Blobs (uploaded files, result files) live as plain files below one folder.
// Writers stage into a temp folder on the same disk and rename into place, so
// a blob is either whole or absent — a crash never leaves half a file.
export class DiskBlobs {
  constructor(
    private readonly root: string,
    private readonly staging: string,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await rm(this.staging, { recursive: true, force: true }); // leftovers of an interrupted upload
    await mkdir(this.staging, { recursive: true });
  }

  pathOf(key: string): string {
    return join(this.root, key);
  }

  stagingPath(name: string): string {
    return join(this.staging, name);
  }

  /** Moves a staged file into the store under `key`. */
  async commit(stagedPath: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(stagedPath, target);
  }

  async put(key: string, content: Buffer | string): Promise<void> {
    const staged = this.stagingPath(`${key.replace(/\W/g, '_')}.${process.pid}.${Date.now()}`);
    await writeFile(staged, content);
    await this.commit(staged, key);
  }

  read(key: string): ReadStream {
    return createReadStream(this.pathOf(key));
  }

  async size(key: string): Promise<number> {
    return (await stat(this.pathOf(key))).size;
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
