// tar-fs 2 ships no types; the two functions selftune uses.
declare module 'tar-fs' {
  import type { Readable, Writable } from 'node:stream';
  export function pack(dir: string, opts?: { entries?: string[] }): Readable;
  export function extract(dir: string, opts?: { readable?: boolean; writable?: boolean }): Writable;
}
