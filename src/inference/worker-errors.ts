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

/** The worker died while this request was in flight; it is being restarted. */
export const WORKER_CRASHED = 'inference_worker_crashed';
/** The worker is (re)starting and did not become ready in time, or too many requests already wait for it. */
export const WORKER_STARTING = 'inference_worker_starting';
/** The worker cannot be started at all (a broken Python environment, a missing interpreter). */
export const WORKER_FAILED = 'inference_worker_failed';

/** A temporary failure: 503 with `retry-after`, which both SDKs retry by themselves. */
export const workerUnavailable = (code: typeof WORKER_CRASHED | typeof WORKER_STARTING, message: string, retryAfterSeconds: number) =>
  new AppError({ status: 503, type: 'server_error', message, code, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });

export const workerFailed = (message: string) => new AppError({ status: 500, type: 'server_error', message, code: WORKER_FAILED });

export const isWorkerCrash = (err: unknown): err is AppError => err instanceof AppError && err.code === WORKER_CRASHED;
