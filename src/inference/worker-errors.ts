import { AppError, appError } from '../errors/app-error.ts';
import { isErrorCode } from '../errors/catalogue.ts';

/** The request field at fault for worker error codes that are the caller's fault. */
const FIELD_AT_FAULT: Record<string, string> = {
  context_length_exceeded: 'messages',
};

/** Turns a worker `error` reply into the server's one error type; the catalogue decides its status. */
export function workerError(code: string, message: string): AppError {
  return appError(isErrorCode(code) ? code : 'internal_error', message, FIELD_AT_FAULT[code] ?? null);
}

/** The worker died while this request was in flight; it is being restarted. */
export const WORKER_CRASHED = 'inference_worker_crashed' as const;
/** The worker is (re)starting and did not become ready in time, or too many requests already wait for it. */
export const WORKER_STARTING = 'inference_worker_starting' as const;
/** The worker cannot be started at all (a broken Python environment, a missing interpreter). */
export const WORKER_FAILED = 'inference_worker_failed' as const;

/** A temporary failure: 503 with `retry-after`, which both SDKs retry by themselves. */
export const workerUnavailable = (code: typeof WORKER_CRASHED | typeof WORKER_STARTING, message: string, retryAfterSeconds: number) =>
  new AppError({ code, message, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });

export const workerFailed = (message: string) => appError(WORKER_FAILED, message);

export const isWorkerCrash = (err: unknown): err is AppError => err instanceof AppError && err.code === WORKER_CRASHED;
