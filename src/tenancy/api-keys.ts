import { createHash } from 'node:crypto';
import { randomBase62 } from '../ids/ids.ts';

// API keys are random (48 base62 characters, ~285 bits), shown once when made
// and stored only as a SHA-256 hash: with that much entropy a fast hash is as
// safe as a slow one, and it lets one indexed lookup find a key.

export type KeyKind = 'admin' | 'project';

const PREFIX: Record<KeyKind, string> = { admin: 'sk-admin-', project: 'sk-proj-' };

export const newKeyValue = (kind: KeyKind): string => PREFIX[kind] + randomBase62(48);

export const hashKey = (value: string): string => createHash('sha256').update(value).digest('hex');

/** What lists show instead of the key: its prefix and last four characters. */
export const redactKey = (value: string): string => {
  const prefix = Object.values(PREFIX).find((p) => value.startsWith(p)) ?? value.slice(0, 3);
  return `${prefix}…${value.slice(-4)}`;
};
