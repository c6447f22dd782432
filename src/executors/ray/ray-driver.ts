import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../logging/logger.ts';
import { ExecutorUnavailable } from '../executor.ts';

/** After a failed start, how long jobs wait in the queue before joining the cluster is tried again. */
const RETRY_AFTER_FAILURE_MS = 30_000;

// The server's side of `python -m selftune_trainer ray-driver` (trainer/selftune_trainer/ray_driver.py):
// one process per server, started with the first job, JSON lines both ways.

export interface RayNode {
  node_id: string;
  node_ip: string;
}

export interface TaskOutcome {
  ok: boolean;
  error: string | null;
  /** The task ended under us (its worker or node died, the driver went away), not by our cancel. */
  node_died: boolean;
  /** Ray's memory monitor killed the task's worker (the node ran short of memory). */
  out_of_memory: boolean;
}

export interface SubmitRequest {
  job_id: string;
  runner_url: string;
  token: string;
  resources: { num_cpus: number; num_gpus: number; memory: number | null };
  env: Record<string, string>;
}

/** What a submitted task tells its submitter. */
export interface TaskWatcher {
  placed(node: RayNode): void;
  finished(outcome: TaskOutcome): void;
}

type DriverLine =
  | { event: 'ready'; nodes: RayNode[] }
  | ({ event: 'placed'; job_id: string } & RayNode)
  | ({ event: 'finished'; job_id: string } & TaskOutcome)
  | { event: 'log'; level: string; message: string };

export interface RayDriverOptions {
  python: string;
  trainerDir: string;
  address: string;
  /** How long `ray.init` may take: an address where nothing answers makes it wait for minutes. */
  startTimeoutMs: number;
}

export class RayDriver {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private readonly watchers = new Map<string, TaskWatcher>();
  private failure: { message: string; atMs: number } | null = null;

  constructor(
    private readonly opts: RayDriverOptions,
    private readonly log: Logger,
  ) {}

  /** Submits one job's task; its watcher hears where it was placed and how it finished. */
  async submit(request: SubmitRequest, watcher: TaskWatcher): Promise<void> {
    await this.start();
    this.watchers.set(request.job_id, watcher);
    this.send({ op: 'submit', ...request });
  }

  /** Why the last start failed, until one succeeds. */
  problem(): string | null {
    return this.failure?.message ?? null;
  }

  /** A failed start is tried again only after a pause, so queued jobs are not claimed and put back in a loop. */
  canStart(): boolean {
    return !this.failure || Date.now() - this.failure.atMs >= RETRY_AFTER_FAILURE_MS;
  }

  /** Stops a job's task now (Ray's force cancel kills its worker process). */
  cancel(jobId: string): void {
    if (this.watchers.has(jobId)) this.send({ op: 'cancel', job_id: jobId });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end(); // the driver leaves the cluster; Ray stops the tasks it owns
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(killer);
  }

  private start(): Promise<void> {
    this.ready ??= this.spawn().then(
      () => {
        this.failure = null;
      },
      (err: Error) => {
        this.failure = { message: err.message, atMs: Date.now() };
        throw new ExecutorUnavailable(err.message);
      },
    );
    return this.ready;
  }

  private spawn(): Promise<void> {
    const { python, trainerDir, address, startTimeoutMs } = this.opts;
    const child = spawn(python, ['-m', 'selftune_trainer', 'ray-driver', '--address', address], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONPATH: [trainerDir, process.env.PYTHONPATH].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1', SELFTUNE_SERVER_PID: String(process.pid) },
    });
    this.child = child;
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 30) stderr.shift();
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`The Ray cluster at SELFTUNE_RAY_ADDRESS=${address} did not answer within ${startTimeoutMs / 1000} s (SELFTUNE_RAY_CONNECT_TIMEOUT_SECONDS).`));
        child.kill('SIGKILL');
      }, startTimeoutMs);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const message = parseLine(line);
        if (message?.event === 'ready') {
          clearTimeout(timer);
          this.log.info({ nodes: message.nodes.length }, `connected to the Ray cluster at ${address} (${message.nodes.length} nodes)`);
          resolve();
        } else if (message) {
          this.dispatch(message);
        }
      });
      child.on('error', (err) => reject(new Error(`The Ray driver could not start (${python}): ${err.message}`)));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        const why = `The Ray driver exited (${signal ?? `code ${code}`})${stderr.length ? `: ${stderr.slice(-5).join(' | ')}` : ''}`;
        reject(new Error(`${why}. Is a Ray cluster reachable at SELFTUNE_RAY_ADDRESS=${address}?`));
        this.child = null;
        this.ready = null; // the next job starts a new driver
        for (const [jobId, watcher] of this.watchers) {
          this.watchers.delete(jobId);
          watcher.finished({ ok: false, error: why, node_died: true, out_of_memory: false });
        }
      });
    });
  }

  private dispatch(message: Exclude<DriverLine, { event: 'ready' }>) {
    if (message.event === 'log') {
      this.log.warn({}, `Ray driver: ${message.message}`);
      return;
    }
    const watcher = this.watchers.get(message.job_id);
    if (!watcher) return;
    if (message.event === 'placed') {
      watcher.placed({ node_id: message.node_id, node_ip: message.node_ip });
    } else {
      this.watchers.delete(message.job_id);
      watcher.finished({ ok: message.ok, error: message.error, node_died: message.node_died, out_of_memory: message.out_of_memory === true });
    }
  }

  private send(message: object) {
    this.child?.stdin?.write(`${JSON.stringify(message)}\n`);
  }
}

function parseLine(line: string): DriverLine | null {
  try {
    const value = JSON.parse(line) as { event?: unknown };
    return value && typeof value.event === 'string' ? (value as DriverLine) : null;
  } catch {
    return null;
  }
}
