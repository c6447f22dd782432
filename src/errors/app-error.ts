// One error type for the whole server. Every error is made from a code of the
// catalogue (catalogue.ts), which decides its status and type; each dialect has
// one renderer that turns it into that API's error shape (see dialects/*/errors.ts).
import { type CodeWithStatus, ERROR_CATALOGUE, type ErrorCode, type ErrorType, isErrorCode } from './catalogue.ts';

export type { ErrorCode, ErrorType } from './catalogue.ts';

export interface AppErrorInit {
  code: ErrorCode;
  /** Defaults to the catalogue's message for the code. */
  message?: string;
  /** The request field at fault, as a dotted path (`hyperparameters.n_epochs`). */
  param?: string | null;
  /** For a temporary failure (503): when the client may try again, sent as `retry-after`. */
  retryAfterSeconds?: number | null;
  /** Replaces the catalogue's type where one code has several (a rate limit's `requests` or `tokens`). */
  type?: ErrorType;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | null;

  constructor(init: AppErrorInit) {
    const entry = ERROR_CATALOGUE[init.code];
    super(init.message ?? entry.message, { cause: init.cause });
    this.name = 'AppError';
    this.status = entry.status;
    this.type = init.type ?? entry.type;
    this.param = init.param ?? null;
    this.code = init.code;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

export const appError = (code: ErrorCode, message?: string, param: string | null = null, cause?: unknown) =>
  new AppError({ code, message, param, cause });

export const invalidRequest = (message: string, param: string | null, code: CodeWithStatus<400>) => appError(code, message, param);

export const notFound = (message: string, param: string | null, code: CodeWithStatus<404>) => appError(code, message, param);

/**
 * A job's error (what validation or planning would fail it with) as a request
 * error, e.g. for a dry run; a code from outside the catalogue (the trainer's own) reads as `invalid_request`.
 */
export const fromJobError = (error: { code: string; message: string; param: string | null }) =>
  appError(isErrorCode(error.code) ? error.code : 'invalid_request', error.message, error.param);
