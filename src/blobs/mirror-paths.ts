import { posix } from 'node:path';

/** A data-directory-relative path, normalized; refuses anything that would leave the data directory or name all of it. */
export function checkedRel(rel: string): string {
  const norm = posix.normalize(rel).replace(/^\/+|\/+$/g, '');
  if (!norm || norm === '.' || norm.split('/').includes('..')) throw new Error(`Not a path inside the data directory: '${rel}'`);
  return norm;
}
