// Upload-time check for fine-tune files. OpenAI and Mistral refuse an upload
// whose lines are not JSON objects; deeper format checks wait for the job
// (openai.md §2.1). Stops at the first bad line, so a bad 500 MB upload fails fast.
import { readLines } from './lines.ts';
import type { SampleType } from './types.ts';

export type UploadCheck =
  | { ok: true; lines: number; sampleType: SampleType }
  | { ok: false; code: 'empty_file' | 'invalid_encoding' | 'invalid_jsonl'; message: string; line: number | null };

const HINT_CHARS = 20;

export async function checkJsonlUpload(path: string): Promise<UploadCheck> {
  let lines = 0;
  let sampleType: SampleType | null = null;
  for await (const raw of readLines(path)) {
    lines++;
    if (raw.fault === 'nul_byte' || raw.fault === 'invalid_utf8') {
      const why = raw.fault === 'nul_byte' ? 'contains a NUL byte' : 'is not valid UTF-8';
      return { ok: false, code: 'invalid_encoding', line: raw.line, message: `Expected a UTF-8 text file, but line ${raw.line} ${why} (the file looks binary).` };
    }
    let value: unknown;
    if (raw.text === null) {
      // Over the line cap: it is not parsed here, only checked to open like an object.
      // validateDataset reports it as line_too_long when a job uses the file.
      value = raw.head.trimStart().startsWith('{') ? {} : undefined;
    } else {
      try {
        value = JSON.parse(raw.text);
      } catch {
        value = undefined;
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, code: 'invalid_jsonl', line: raw.line, message: notADictionary(raw.line, raw.text ?? raw.head) };
    }
    sampleType ??= guessSampleType(value as Record<string, unknown>);
  }
  if (lines === 0) return { ok: false, code: 'empty_file', line: null, message: 'The file is empty: expected at least one JSON line.' };
  return { ok: true, lines, sampleType: sampleType ?? 'instruct' };
}

/** OpenAI's wording, hint included. */
function notADictionary(line: number, text: string): string {
  const start = Array.from(text.trimStart()).slice(0, HINT_CHARS).join('');
  return `Expected file to have JSONL format, where every line is a JSON dictionary. Line ${line} is not a dictionary (HINT: line starts with: "${start}...").`;
}

/** Mistral's file `sample_type`, from the first line's keys. */
function guessSampleType(obj: Record<string, unknown>): SampleType {
  if ('labels' in obj) return 'classifier';
  if ('text' in obj && !('messages' in obj)) return 'pretrain';
  return 'instruct';
}
