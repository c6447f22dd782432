// Test helpers: real files in a temp dir, one per call.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { DatasetExpectation, DatasetIssue } from './types.ts';
import { validateDataset } from './validate.ts';

let dir: Promise<string> | null = null;
let n = 0;

// Registered at import (file level), so it runs once after all tests of the file.
after(async () => {
  if (dir) await rm(await dir, { recursive: true, force: true });
});

function tempDir(): Promise<string> {
  dir ??= mkdtemp(join(tmpdir(), 'selftune-datasets-'));
  return dir;
}

/** Writes `content` (string or bytes) to a fresh file and returns its path. */
export async function tempFile(content: string | Uint8Array, name = 'data.jsonl'): Promise<string> {
  const path = join(await tempDir(), `${n++}-${name}`);
  await writeFile(path, content);
  return path;
}

/** One JSONL file from values: objects are JSON-encoded, strings written as-is. */
export function jsonl(rows: unknown[], eol = '\n'): string {
  return rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join(eol) + eol;
}

export const user = (content: unknown = 'hi') => ({ role: 'user', content });
export const assistant = (content: unknown = 'hello', extra: Record<string, unknown> = {}) => ({ role: 'assistant', content, ...extra });
export const chat = (...messages: unknown[]) => ({ messages });
export const goodChat = () => chat({ role: 'system', content: 'be brief' }, user(), assistant());

/** Validates one example alone and returns its issue (or null when valid). */
export async function issueOf(row: unknown, expect: DatasetExpectation = 'supervised'): Promise<DatasetIssue | null> {
  const report = await validateDataset(await tempFile(jsonl([row])), { expect });
  return report.issues[0] ?? null;
}
