// One error type for the whole server. Routes throw it; each dialect has one
// renderer that turns it into that API's error shape (see dialects/*/errors.ts).

export const ERROR_TYPES = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  payload_too_large_error: 413,
  server_error: 500,
} as const;
export type ErrorType = keyof typeof ERROR_TYPES;

export interface AppErrorInit {
  status: number;
  type: ErrorType;
  message: string;
  /** The request field at fault, as a dotted path (`hyperparameters.n_epochs`). */
  param?: string | null;
  /** A stable machine-readable code (`invalid_api_key`, `model_not_found`). */
  code?: string | null;
  /** For a temporary failure (503): when the client may try again, sent as `retry-after`. */
  retryAfterSeconds?: number | null;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryAfterSeconds: number | null;

  constructor(init: AppErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = 'AppError';
    this.status = init.status;
    this.type = init.type;
    this.param = init.param ?? null;
    this.code = init.code ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new AppError({ status: 400, type: 'invalid_request_error', message, param, code });

export const notFound = (message: string, param: string | null = 'id', code: string | null = null) =>
  new AppError({ status: 404, type: 'invalid_request_error', message, param, code });

export const unauthorized = (message: string, code: string | null = 'invalid_api_key') =>
  new AppError({ status: 401, type: 'invalid_request_error', message, code });

export const payloadTooLarge = (message: string, param: string | null = 'file') =>
  new AppError({ status: 413, type: 'invalid_request_error', message, param, code: 'file_too_large' });
