// The one job state machine. Each API dialect maps these to its own enum
// (OpenAI: dialects/openai/job.mapper.ts; Mistral: dialects/mistral/…).
export const JOB_STATUS = Object.freeze({
  /** Training and validation files are being checked. */
  validating: 'validating',
  /** Files are valid; the job waits for an explicit start (Mistral auto_start=false). */
  validated: 'validated',
  /** Waiting for a free training slot. */
  queued: 'queued',
  running: 'running',
  /** Pause asked; the worker is saving a resumable checkpoint. */
  pausing: 'pausing',
  paused: 'paused',
  /** Cancel asked; the worker is stopping. */
  cancelling: 'cancelling',
  succeeded: 'succeeded',
  failed: 'failed',
  /** The data did not pass validation (terminal). */
  failedValidation: 'failed_validation',
  cancelled: 'cancelled',
});
export type JobStatus = (typeof JOB_STATUS)[keyof typeof JOB_STATUS];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'failed_validation', 'cancelled'];
/** States in which a worker process may be attached to the job. */
export const ACTIVE_WORKER_STATUSES: readonly JobStatus[] = ['running', 'pausing', 'cancelling'];

export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.includes(s);
