import type { Job } from '../jobs/job.ts';
import type { TrainableModel } from '../models/model-catalog.ts';
import type { TrainerEvent } from './trainer-protocol.ts';

/** How a run's trainer ended. */
export interface RunExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the trainer wrote to stderr, for a failure message. */
  stderrTail: string;
  /** The run went away with the machine or task it ran in (a Ray node died), not by the trainer's own doing: no memory hint. */
  lost?: 'node';
}

/** Where jobs run cannot be reached (a cluster that does not answer): the job was not started and goes back to the queue. */
export class ExecutorUnavailable extends Error {}

/**
 * One job's training run wherever it executes. Events reach the handler given
 * to `Executor.start` strictly in order, each awaited before the next, and
 * `exited` settles only after the last one was handled (it rejects if a
 * handler failed: what the trainer reports could no longer be recorded).
 */
export interface RunHandle {
  /** Finish the current step, save a resumable checkpoint, report `paused` and stop. */
  pause(): void;
  /** Stop within a step and report `cancelled`. */
  cancel(): void;
  /** Stop now: the job is no longer ours (`graceMs` before a hard kill). */
  kill(graceMs?: number): Promise<void>;
  readonly exited: Promise<RunExit>;
}

/**
 * Where training runs: this machine's subprocesses today, a cluster later.
 * It only starts trainers and carries their events; recording them and
 * finishing the job is the domain's (jobs/job-run.ts), the lease the queue's.
 */
export interface Executor {
  /** Work is on its way: get a trainer ready, if this executor keeps one. */
  prewarm(): void;
  /** Starts training a running job (resolved hyperparameters, planned model) on `model`. */
  start(job: Job, model: TrainableModel, onEvent: (e: TrainerEvent) => Promise<void>): Promise<RunHandle>;
  /** Why no job can start now (kept until a start works again), or null; /health reports it. */
  problem?(): string | null;
  /** False while a failed start waits before the next try: the scheduler claims no job meanwhile. */
  canStart?(): boolean;
  /** Server shutdown: let go of anything kept warm. */
  close(): Promise<void>;
}
