import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root, where trainer/ and .venv live. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const trainerDir = join(repoRoot, 'trainer');

/** The layout of a data directory; everything selftune stores lives below it. */
export function dataPaths(dataDir: string) {
  return {
    database: join(dataDir, 'selftune.db'),
    files: join(dataDir, 'files'),
    uploads: join(dataDir, 'tmp'),
    /** Room kept free so that deletes work on a full disk (see blobs/disk-space.ts). */
    diskReserve: join(dataDir, 'disk-reserve'),
    models: join(dataDir, 'models'),
    runs: join(dataDir, 'runs'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;
