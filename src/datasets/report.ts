// Turns a validation report into the OpenAI job error object ({code, message,
// param}) that a failed job carries. Wording follows the real API's messages
// (openai.md §4); the list of bad lines is ours, since OpenAI gives only one.
import type { ErrorCode } from '../errors/catalogue.ts';
import type { DatasetReport } from './types.ts';

export interface DatasetErrorOptions {
  fileId: string;
  param: 'training_file' | 'validation_file';
  minExamples: number;
  /** How many bad lines the message names before "and K more". Default 5. */
  shownIssues?: number;
}

export interface DatasetJobError {
  code: ErrorCode;
  message: string;
  param: string;
}

/** null when the file is usable; format problems win over a low example count. */
export function datasetError(report: DatasetReport, opts: DatasetErrorOptions): DatasetJobError | null {
  const kind = opts.param === 'training_file' ? 'training' : 'validation';
  if (report.issueCount > 0) {
    const shown = report.issues.slice(0, Math.max(0, opts.shownIssues ?? 5));
    const more = report.issueCount - shown.length;
    const list = shown.map((i) => `line ${i.line}: ${i.message}`).join('; ');
    const tail = more > 0 ? `${list ? `${list}; ` : ''}and ${more} more.` : `${list}.`;
    return {
      code: 'invalid_file_format',
      message: `The job failed due to an invalid ${kind} file. ${report.issueCount} line(s) are invalid: ${tail}`,
      param: opts.param,
    };
  }
  if (report.examples < opts.minExamples) {
    const File = kind === 'training' ? 'Training' : 'Validation';
    return {
      code: 'invalid_n_examples',
      message: `${File} file has ${report.examples} example(s), but must have at least ${opts.minExamples} examples`,
      param: opts.param,
    };
  }
  return null;
}
