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

/**
 * Every status change a job may make: `from → [to…]`. JobsService.moveTo is the
 * only writer of `status` and refuses anything not listed here, so this table
 * is the whole lifecycle in one place.
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = Object.freeze({
  validating: ['validated', 'queued', 'failed_validation', 'cancelled'],
  validated: ['queued', 'cancelled'],
  // running: a claimed job starts; failed: it cannot start (its base model is gone).
  queued: ['running', 'paused', 'cancelled', 'failed'],
  // queued: the server shut down, or the worker was lost and the job resumes from its checkpoint.
  running: ['pausing', 'cancelling', 'paused', 'queued', 'succeeded', 'cancelled', 'failed'],
  pausing: ['paused', 'cancelling', 'queued', 'succeeded', 'cancelled', 'failed'],
  cancelling: ['cancelled', 'succeeded', 'failed'],
  paused: ['queued', 'cancelled'],
  succeeded: [],
  failed: [],
  failed_validation: [],
  cancelled: [],
});

export const canMove = (from: JobStatus, to: JobStatus): boolean => JOB_TRANSITIONS[from].includes(to);

/** The statuses a job may be in for a move to `to`. */
export const sourcesOf = (to: JobStatus): JobStatus[] =>
  (Object.keys(JOB_TRANSITIONS) as JobStatus[]).filter((from) => canMove(from, to));
