import type { ErrorCode } from '../errors/catalogue.ts';

// Shared shapes of the dataset validator. Kept apart from the logic so callers
// (files service, job validation, Mistral file objects) can import types only.

export type DatasetFormat =
  | 'chat'
  | 'prompt_completion'
  | 'text'
  | 'classifier_text'
  | 'classifier_chat'
  | 'preference';

/** What a job expects of its files; decides which line formats are accepted. */
export type DatasetExpectation = 'supervised' | 'preference' | 'classifier';

/** Mistral's `sample_type` on the file object. */
export type SampleType = 'instruct' | 'pretrain' | 'classifier';

/**
 * One problem on one line. `message` is self-contained and already starts with
 * the field path when there is one (`messages[2].role: unrecognized role 'bot' ...`),
 * so it can be shown on its own.
 */
export interface DatasetIssue {
  line: number;
  /** A data-validation code of the error catalogue. */
  code: ErrorCode;
  field: string | null;
  message: string;
}

export interface DatasetReport {
  /** Detected from the first valid line; null when no line was valid. */
  format: DatasetFormat | null;
  /** Non-empty lines (blank lines are skipped but keep their line numbers). */
  lines: number;
  /** Valid examples. Always `lines - issueCount`: each bad line yields exactly one issue. */
  examples: number;
  /** The first `maxIssues` issues, in file order. */
  issues: DatasetIssue[];
  /** Number of issues found in the whole file (= number of invalid lines). */
  issueCount: number;
  sampleType: SampleType;
}

/** A line-level problem before the line number is attached. */
export type LineProblem = Omit<DatasetIssue, 'line'>;

export const FORMAT_LABELS: Record<DatasetFormat, string> = {
  chat: 'chat messages',
  prompt_completion: 'prompt/completion',
  text: 'text (pretrain)',
  classifier_text: 'classifier text',
  classifier_chat: 'classifier messages',
  preference: 'preference',
};

export function sampleTypeOf(format: DatasetFormat | null, expect: DatasetExpectation): SampleType {
  if (format === 'text') return 'pretrain';
  if (format === 'classifier_text' || format === 'classifier_chat') return 'classifier';
  if (format === null && expect === 'classifier') return 'classifier';
  return 'instruct';
}
