import { AppError } from '../errors/app-error.ts';

/** Worker error codes that are the caller's fault, with the request field at fault. */
const CLIENT_ERRORS: Record<string, string | null> = {
  context_length_exceeded: 'messages',
  invalid_request: null,
};

/** Turns a worker `error` reply into the server's one error type. */
export function workerError(code: string, message: string): AppError {
  if (code in CLIENT_ERRORS) return new AppError({ status: 400, type: 'invalid_request_error', message, param: CLIENT_ERRORS[code] ?? null, code });
  return new AppError({ status: 500, type: 'server_error', message, code });
}
