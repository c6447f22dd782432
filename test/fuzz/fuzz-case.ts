import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawRequest, type RawResponse } from '../edge/raw-http.ts';

// One fuzzed request, as the corpus keeps it: `{{name}}` in the path, header
// values and body stands for a value of the running fuzz target (an id, a key),
// so a saved case means the same thing against a fresh server.

export interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Corpus cases: what this input once broke. */
  note?: string;
  /** Corpus cases: what the fixed server answers, beyond the invariants every answer keeps. */
  expect?: { status?: number; message?: string };
}

export const CORPUS_DIR = join(import.meta.dirname, 'corpus');

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

export const resolve = (text: string, values: Record<string, string>) => text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);

/** Sends a case byte for byte (the SDKs would refuse most of them); no header is added. */
export function send(baseUrl: string, c: FuzzCase, values: Record<string, string>): Promise<RawResponse> {
  const headers: Record<string, string | null> = { authorization: null }; // a case without a key goes without one
  for (const [name, value] of Object.entries(c.headers)) headers[name] = resolve(value, values);
  const body = c.body === undefined ? undefined : Buffer.from(resolve(c.body, values), 'utf8');
  if (body) headers['content-length'] = String(body.length); // Node sends a GET's or DELETE's body without one
  return rawRequest(baseUrl, c.method, resolve(c.path, values), headers, body);
}

export async function loadCorpus(): Promise<Array<{ name: string; case: FuzzCase }>> {
  const names = (await readdir(CORPUS_DIR)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (name) => ({ name, case: JSON.parse(await readFile(join(CORPUS_DIR, name), 'utf8')) as FuzzCase })));
}

/** Keeps an input that broke something, named by its content so the same case is kept once. */
export async function saveToCorpus(c: FuzzCase, note: string): Promise<string> {
  const saved = { note, ...c };
  const name = `${c.method.toLowerCase()}-${createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 12)}.json`;
  await writeFile(join(CORPUS_DIR, name), `${JSON.stringify(saved, null, 2)}\n`);
  return join('test/fuzz/corpus', name);
}
