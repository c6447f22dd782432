// Job-time validation: streams the file once, checks every line against the
// formats the job accepts, and counts problems (one per bad line) without
// keeping more than `maxIssues` of them, so a 500 MB file stays cheap.
import { chatProblem } from './chat.schema.ts';
import { classifierChatProblem, classifierTextProblem } from './classifier.schema.ts';
import { promptCompletionProblem, textProblem } from './completion.schema.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './depth.ts';
import { problem } from './issues.ts';
import { MAX_LINE_BYTES, readLines, type RawLine } from './lines.ts';
import { preferenceProblem } from './preference.schema.ts';
import { FORMAT_LABELS, sampleTypeOf } from './types.ts';
import type { DatasetExpectation, DatasetFormat, DatasetIssue, DatasetReport, LineProblem } from './types.ts';

export interface ValidateOptions {
  expect: DatasetExpectation;
  /** Accepted for symmetry with datasetError, which applies the count check. */
  minExamples?: number;
  /** How many issues the report keeps (all are counted). Default 20. */
  maxIssues?: number;
  fileRole?: 'training_file' | 'validation_file';
}

type Obj = Record<string, unknown>;

const CHECKS: Record<DatasetFormat, (obj: Obj) => LineProblem | null> = {
  chat: chatProblem,
  prompt_completion: promptCompletionProblem,
  text: textProblem,
  classifier_text: classifierTextProblem,
  classifier_chat: classifierChatProblem,
  preference: preferenceProblem,
};

/** Which format a line is meant to be, from its keys; a problem when it matches none. */
export function detectFormat(obj: Obj, expect: DatasetExpectation): DatasetFormat | LineProblem {
  const has = (k: string): boolean => k in obj;
  const pair = has('input') || has('preferred_output') || has('preferred_completion');
  if (expect === 'preference') {
    if (pair || !(has('messages') || has('prompt') || has('text'))) return 'preference';
    return problem('method_data_mismatch', [], 'example is supervised data (messages, prompt/completion or text), but a DPO job trains on preference pairs: input, preferred_output and non_preferred_output');
  }
  if (pair && !has('messages')) {
    return problem('method_data_mismatch', [], 'example is a preference pair (input, preferred_output, non_preferred_output): create the job with method type dpo to train on it');
  }
  if (expect === 'classifier') {
    if (has('messages')) return 'classifier_chat';
    if (has('text')) return 'classifier_text';
    return problem('missing_messages_list', [], 'example has neither text nor messages to classify');
  }
  if (has('messages')) return 'chat';
  if (has('prompt') || has('completion')) return 'prompt_completion';
  if (has('text')) return 'text';
  return problem('missing_messages_list', [], 'example has no messages list (expected messages, prompt/completion or text)');
}

export async function validateDataset(path: string, opts: ValidateOptions): Promise<DatasetReport> {
  const maxIssues = opts.maxIssues ?? 20;
  const issues: DatasetIssue[] = [];
  let issueCount = 0;
  let lines = 0;
  let examples = 0;
  let format: DatasetFormat | null = null;

  for await (const raw of readLines(path)) {
    lines++;
    const result = checkLine(raw, opts.expect, format);
    if (typeof result === 'string') {
      format ??= result; // the first valid line fixes the file's format
      examples++;
      continue;
    }
    issueCount++;
    if (issues.length < maxIssues) issues.push({ line: raw.line, ...result });
  }
  return { format, lines, examples, issues, issueCount, sampleType: sampleTypeOf(format, opts.expect) };
}

/** The line's format when it is a valid example, else its first problem. */
function checkLine(raw: RawLine, expect: DatasetExpectation, fileFormat: DatasetFormat | null): DatasetFormat | LineProblem {
  if (raw.fault === 'too_long') return problem('line_too_long', [], `line is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB`);
  if (raw.fault === 'nul_byte') return problem('invalid_encoding', [], 'line contains a NUL byte (binary data)');
  if (raw.fault === 'invalid_utf8' || raw.text === null) return problem('invalid_encoding', [], 'line is not valid UTF-8 text');
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch {
    return problem('invalid_json', [], 'not valid JSON');
  }
  if (nestedDeeperThan(raw.text, MAX_JSON_DEPTH)) return problem('nested_too_deep', [], `objects and arrays are nested more than ${MAX_JSON_DEPTH} deep`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problem('data_type', [], `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`);
  }
  const format = detectFormat(value as Obj, expect);
  if (typeof format !== 'string') return format;
  if (fileFormat !== null && format !== fileFormat) {
    return problem('mixed_formats', [], `example is ${FORMAT_LABELS[format]} but earlier lines are ${FORMAT_LABELS[fileFormat]} (a file must use one format)`);
  }
  return CHECKS[format](value as Obj) ?? format;
}
