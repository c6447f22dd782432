import { open, rm } from 'node:fs/promises';

// A full disk must not stop an operator from freeing space: deleting a file
// writes to the database (SQLite needs room for its WAL), so a small reserve
// file is kept on the data disk and given up when a delete hits a full disk.

/**
 * Errors of a disk with no room left: the OS's, SQLite's, and Postgres's own
 * (by code), or one a library rewrapped keeping only the message.
 */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === '53100'
    || /no space left on device|disk is full/i.test(String((err as Error | null)?.message));
}

export const DEFAULT_RESERVE_BYTES = 4 * 1024 * 1024;

export class DiskReserve {
  private held = false;

  constructor(
    private readonly path: string,
    private readonly bytes = DEFAULT_RESERVE_BYTES,
  ) {}

  /** Claims the reserve with real blocks (a sparse file would reserve nothing); false when the disk has no room. */
  async hold(): Promise<boolean> {
    if (this.held) return true;
    const file = await open(this.path, 'w');
    try {
      const chunk = Buffer.alloc(64 * 1024);
      let done = 0;
      while (done < this.bytes) {
        const { bytesWritten } = await file.write(chunk, 0, Math.min(chunk.length, this.bytes - done));
        if (bytesWritten === 0) return false; // a short write is how some filesystems say "full"
        done += bytesWritten;
      }
      await file.sync();
      this.held = true;
    } catch (err) {
      if (!isDiskFull(err)) throw err;
    } finally {
      await file.close();
      if (!this.held) await rm(this.path, { force: true });
    }
    return this.held;
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
    this.held = false;
  }

  /** Runs `write`; when it fails for a full disk, gives up the reserve and runs it once more. */
  async withRoom<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isDiskFull(err) || !this.held) throw err;
      await this.release();
      return write();
    }
  }
}
