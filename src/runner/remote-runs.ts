import { isAbsolute, join } from 'node:path';
import { appError } from '../errors/app-error.ts';
import type { RunExit } from '../executors/executor.ts';
import type { TrainerEvent, TrainerSpec } from '../executors/trainer-protocol.ts';

/** What a runner reports when its trainer has ended (POST …/exit). */
export interface RunnerExitReport {
  code: number | null;
  signal: string | null;
  stderr_tail: string;
  /** How many events the runner sent in all: the exit counts only once every one was applied. */
  events: number;
}

export type RunControl = 'pause' | 'cancel' | null;

/**
 * One job's run on a remote runner, as this server sees it: the spec it is
 * handed, the events it posts (numbered from 0; a batch that repeats numbers
 * already applied is applied only from the first new one), the control each
 * answer carries, and how it ended.
 */
export class RemoteRun {
  control: RunControl = null;
  readonly exited: Promise<RunExit>;
  private applied = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private settle!: (exit: RunExit) => void;
  private fail!: (err: Error) => void;
  private settled = false;

  constructor(
    readonly jobId: string,
    readonly token: string,
    readonly spec: TrainerSpec,
    private readonly dataDir: string,
    private readonly onEvent: (e: TrainerEvent) => Promise<void>,
  ) {
    this.exited = new Promise<RunExit>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    this.exited.catch(() => {}); // the executor's caller observes it; an early failure must not go unhandled meanwhile
  }

  get over(): boolean {
    return this.settled;
  }

  /** Applies the events of a batch not applied before, in order; answers how many are applied in all. */
  receive(firstSeq: number, events: TrainerEvent[]): Promise<{ applied: number; control: RunControl }> {
    return this.serially(async () => {
      if (this.settled) throw appError('run_not_here', 'The run has ended.');
      if (firstSeq > this.applied) throw appError('run_not_here', `Events from ${firstSeq} were posted, but only ${this.applied} were received before.`);
      for (let seq = firstSeq; seq < firstSeq + events.length; seq++) {
        if (seq < this.applied) continue; // a retried batch
        await this.handle(events[seq - firstSeq]!);
        this.applied = seq + 1;
      }
      return { applied: this.applied, control: this.control };
    });
  }

  /** The trainer ended and every event the runner sent is applied. */
  reportExit(report: RunnerExitReport): Promise<void> {
    return this.serially(async () => {
      if (report.events > this.applied) throw appError('run_not_here', `The runner reported ${report.events} events, but ${this.applied} were received.`);
      this.end({ code: report.code, signal: (report.signal as NodeJS.Signals | null) ?? null, stderrTail: report.stderr_tail });
    });
  }

  /**
   * The task ended with no exit report: like a trainer killed by SIGKILL, and
   * `node` when its node or worker went away (no out-of-memory hint then).
   */
  lost(why: string, cause: 'node' | 'out_of_memory'): Promise<void> {
    return this.serially(async () => this.end({ code: null, signal: 'SIGKILL', stderrTail: why, ...(cause === 'node' ? { lost: 'node' as const } : {}) }));
  }

  private end(exit: RunExit) {
    if (this.settled) return;
    this.settled = true;
    this.settle(exit);
  }

  private async handle(e: TrainerEvent) {
    // The runner sends data-directory-relative paths; the domain records paths below this server's data directory.
    const event = 'path' in e && typeof e.path === 'string' && !isAbsolute(e.path) ? { ...e, path: join(this.dataDir, e.path) } : e;
    try {
      await this.onEvent(event);
    } catch (err) {
      // What the trainer reports can no longer be recorded: the run has failed (Executor's contract).
      if (!this.settled) {
        this.settled = true;
        this.fail(err as Error);
      }
      throw err;
    }
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => {});
    return next;
  }
}

/** The remote runs this server holds, by job id: what the runner routes answer from. */
export class RemoteRuns {
  private readonly runs = new Map<string, RemoteRun>();

  add(run: RemoteRun): void {
    this.runs.set(run.jobId, run);
  }

  /** The job's current run here, if `token` is the one it was started with. */
  find(jobId: string, token: string): RemoteRun | undefined {
    const run = this.runs.get(jobId);
    return run && run.token === token ? run : undefined;
  }

  remove(run: RemoteRun): void {
    if (this.runs.get(run.jobId) === run) this.runs.delete(run.jobId);
  }
}
