import type { ChildProcess } from 'node:child_process';
import type { AppError } from '../errors/app-error.ts';
import { type LineProcess, startLineProcess } from '../executors/line-process.ts';
import { EventQueue } from './event-queue.ts';
import { RestartPolicy } from './restart-policy.ts';
import { WORKER_CRASHED, WORKER_STARTING, workerFailed, workerUnavailable } from './worker-errors.ts';
import { parseWorkerLine, type WorkerReply, type WorkerRequest } from './worker-protocol.ts';

export interface InferenceWorkerOptions {
  python: string;
  trainerDir: string;
  /** torch intra-op threads on CPU. */
  threads: number;
  /** Fine-tuned models (and bases) kept loaded. */
  cacheSize: number;
  /** Generations interleaved token by token. */
  maxActive: number;
  /** Requests held while the worker (re)starts; more are answered 503 at once. */
  maxWaiting: number;
  /** How long a held request waits for the worker before it is answered 503. */
  startTimeoutMs: number;
  log: (level: string, message: string) => void;
}

type ModelRequest = Extract<WorkerRequest, { id: string; model: unknown }>;

/**
 * The warm Python inference process: started on the first request, restarted
 * at once if it dies (with growing delays if it keeps dying), stopped with the
 * server. Requests that arrive while it starts wait for it, up to a bound and a
 * timeout; requests in flight when it dies end with a retryable 503. Replies
 * are routed to the request that asked by id.
 */
export class InferenceWorker {
  private child: ChildProcess | null = null;
  /** The child said `ready`: its imports are done and it reads requests. */
  private ready = false;
  private readySince = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly pending = new Map<string, EventQueue<WorkerReply>>();
  /** Requests held until the worker is ready, in arrival order, each with its timeout. */
  private readonly waiting = new Map<string, { req: ModelRequest; timer: NodeJS.Timeout }>();
  /** The current process's handle (the last one, once it has exited). */
  private proc: LineProcess | null = null;
  private readonly restarts = new RestartPolicy();

  constructor(private readonly opts: InferenceWorkerOptions) {}

  /** Sends a request; its replies arrive on the returned queue, which ends after `done`, `result` or `error`. */
  request(req: ModelRequest): EventQueue<WorkerReply> {
    const queue = new EventQueue<WorkerReply>();
    this.pending.set(req.id, queue);
    if (this.stopping) this.settle(req.id, shuttingDown());
    else if (this.child && this.ready) this.write(this.child, req);
    else this.hold(req);
    return queue;
  }

  /** Commands that need no reply; dropped when no worker is running (nothing to cancel or unload). */
  notify(req: Extract<WorkerRequest, { op: 'cancel' | 'unload' }>): void {
    if (req.op === 'cancel') {
      this.release(req.id);
      this.settle(req.id);
    }
    if (this.child) this.write(this.child, req);
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The worker process, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    for (const id of [...this.waiting.keys()]) this.settle(this.release(id), shuttingDown());
    if (this.child) await this.proc?.stop();
  }

  private hold(req: ModelRequest): void {
    const max = this.opts.maxWaiting;
    if (this.waiting.size >= max) {
      this.settle(req.id, workerUnavailable(WORKER_STARTING, `The inference worker is starting and ${max} requests already wait for it; try again shortly.`, 5));
      return;
    }
    const timeoutMs = this.opts.startTimeoutMs;
    const timer = setTimeout(() => {
      this.settle(this.release(req.id), workerUnavailable(WORKER_STARTING, `The inference worker did not become ready within ${timeoutMs / 1000} s; try again shortly.`, 10));
    }, timeoutMs);
    this.waiting.set(req.id, { req, timer });
    if (!this.child && !this.restartTimer) this.start();
  }

  /** Stops holding a request (it was sent, cancelled or timed out); returns its id. */
  private release(id: string): string {
    const held = this.waiting.get(id);
    if (held) clearTimeout(held.timer);
    this.waiting.delete(id);
    return id;
  }

  /** Ends a request's queue, with an error or (cancelled) without. */
  private settle(id: string, error?: AppError): void {
    const queue = this.pending.get(id);
    this.pending.delete(id);
    queue?.end(error);
  }

  private write(child: ChildProcess, req: WorkerRequest): void {
    child.stdin?.write(`${JSON.stringify(req)}\n`);
  }

  private start(): void {
    this.restartTimer = null;
    const { python, trainerDir, threads, cacheSize, maxActive } = this.opts;
    const args = ['serve-inference', '--threads', String(threads), '--cache-size', String(cacheSize), '--max-active', String(maxActive)];
    const proc = startLineProcess({
      python,
      trainerDir,
      args,
      onLine: (line) => this.dispatch(proc.child, line),
      onExit: (why, spawnFailed) => this.onExit(proc.child, why, spawnFailed),
      onWarning: (message) => this.opts.log('warn', `inference worker: ${message}`),
    });
    this.child = proc.child;
    this.ready = false;
    this.proc = proc;
  }

  private onReady(child: ChildProcess): void {
    if (this.child !== child) return;
    this.ready = true;
    this.readySince = Date.now();
    for (const [id, { req }] of [...this.waiting]) {
      this.release(id);
      this.write(child, req);
    }
  }

  private onExit(child: ChildProcess, why: string, spawnFailed: boolean): void {
    if (this.child !== child) return;
    const wasReady = this.ready;
    this.child = null;
    this.ready = false;
    const tail = this.proc?.stderrTail(5) ?? '';
    const detail = `The inference worker ${why}${tail ? `: ${tail}` : ''}`;
    if (this.stopping) {
      for (const id of [...this.pending.keys()]) this.settle(id, shuttingDown());
      return;
    }
    const delayMs = spawnFailed ? null : this.restarts.exited(wasReady, Date.now() - this.readySince);
    // Requests it was working on are lost with it; the ones still held wait for its successor.
    const inFlight = [...this.pending.keys()].filter((id) => !this.waiting.has(id));
    this.opts.log(inFlight.length ? 'error' : 'warn', detail);
    const retryAfter = (delayMs ?? 0) / 1000 + 1;
    for (const id of inFlight) this.settle(id, workerUnavailable(WORKER_CRASHED, `The inference worker stopped (${why}) while answering this request; it is being restarted, try again.`, retryAfter));
    if (delayMs === null) {
      this.restarts.reset();
      const error = workerFailed(`The inference worker cannot start: ${why}${tail ? `: ${tail}` : ''}`);
      this.opts.log('error', error.message);
      for (const id of [...this.waiting.keys()]) this.settle(this.release(id), error);
      return;
    }
    this.opts.log('warn', `restarting the inference worker${delayMs ? ` in ${delayMs} ms` : ''}`);
    this.restartTimer = setTimeout(() => this.start(), delayMs);
  }

  private dispatch(child: ChildProcess, line: string): void {
    const msg = parseWorkerLine(line);
    if (!msg) return;
    if (msg.event === 'ready') return this.onReady(child);
    if (msg.event === 'log') return this.opts.log(msg.level, `inference worker: ${msg.message}`);
    const queue = this.pending.get(msg.id);
    if (!queue) return; // cancelled meanwhile
    queue.push(msg);
    if (msg.event === 'done' || msg.event === 'result' || msg.event === 'error') this.settle(msg.id);
  }
}

const shuttingDown = () => workerUnavailable(WORKER_STARTING, 'The server is shutting down; try again once it is back.', 5);
