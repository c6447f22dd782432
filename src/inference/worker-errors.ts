import { type AppError, appError } from '../errors/app-error.ts';
import { isErrorCode } from '../errors/catalogue.ts';

/** Worker error codes that are the caller's fault, with the request field at fault. */
const CLIENT_ERRORS: Record<string, string | null> = {
  context_length_exceeded: 'messages',
  invalid_request: null,
};

/** Turns a worker `error` reply into the server's one error type. */
export function workerError(code: string, message: string): AppError {
  if (code in CLIENT_ERRORS && isErrorCode(code)) return appError(code, message, CLIENT_ERRORS[code] ?? null);
  return appError('internal_error', message);
}
