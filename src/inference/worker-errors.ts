import { type AppError, appError } from '../errors/app-error.ts';
import { isErrorCode } from '../errors/catalogue.ts';

/** The request field at fault for worker error codes that are the caller's fault. */
const FIELD_AT_FAULT: Record<string, string> = {
  context_length_exceeded: 'messages',
};

/** Turns a worker `error` reply into the server's one error type; the catalogue decides its status. */
export function workerError(code: string, message: string): AppError {
  return appError(isErrorCode(code) ? code : 'internal_error', message, FIELD_AT_FAULT[code] ?? null);
}
