import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { appError } from '../errors/app-error.ts';
import { EventQueue } from './event-queue.ts';
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
  log: (level: string, message: string) => void;
}

const STDERR_TAIL_LINES = 20;

/**
 * The warm Python inference process: started on the first request, restarted
 * on the next request if it dies, stopped with the server. Replies are routed
 * to the request that asked by id.
 */
export class InferenceWorker {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<string, EventQueue<WorkerReply>>();
  private readonly stderr: string[] = [];
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly opts: InferenceWorkerOptions) {}

  /** Sends a request; its replies arrive on the returned queue, which ends after `done`, `result` or `error`. */
  request(req: Extract<WorkerRequest, { id: string; model: unknown }>): EventQueue<WorkerReply> {
    const queue = new EventQueue<WorkerReply>();
    this.pending.set(req.id, queue);
    this.write(this.ensureStarted(), req);
    return queue;
  }

  /** Commands that need no reply; dropped when no worker is running (nothing to cancel or unload). */
  notify(req: Extract<WorkerRequest, { op: 'cancel' | 'unload' }>): void {
    if (req.op === 'cancel') {
      this.pending.get(req.id)?.end();
      this.pending.delete(req.id);
    }
    if (this.child) this.write(this.child, req);
  }

  get running(): boolean {
    return this.child !== null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.stdin?.end(); // EOF: the worker exits by itself
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private write(child: ChildProcess, req: WorkerRequest): void {
    child.stdin?.write(`${JSON.stringify(req)}\n`);
  }

  private ensureStarted(): ChildProcess {
    if (this.child) return this.child;
    const { python, trainerDir, threads, cacheSize, maxActive } = this.opts;
    const args = ['-m', 'selftune_trainer', 'serve-inference', '--threads', String(threads), '--cache-size', String(cacheSize), '--max-active', String(maxActive)];
    const child = spawn(python, args, {
      env: { ...process.env, PYTHONPATH: trainerDir, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stderr.length = 0;
    child.stdin?.on('error', () => {}); // a dead worker is reported through 'exit'
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > STDERR_TAIL_LINES) this.stderr.shift();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => this.dispatch(line));
    this.exited = new Promise<void>((resolve) => {
      const gone = (why: string) => {
        if (this.child === child) this.child = null;
        this.failAll(why);
        resolve();
      };
      child.on('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
      child.on('error', (err) => gone(`could not start ${python}: ${err.message}`));
    });
    return child;
  }

  private dispatch(line: string): void {
    const msg = parseWorkerLine(line);
    if (!msg || msg.event === 'ready') return;
    if (msg.event === 'log') return this.opts.log(msg.level, `inference worker: ${msg.message}`);
    const queue = this.pending.get(msg.id);
    if (!queue) return; // cancelled meanwhile
    queue.push(msg);
    if (msg.event === 'done' || msg.event === 'result' || msg.event === 'error') {
      this.pending.delete(msg.id);
      queue.end();
    }
  }

  private failAll(why: string): void {
    const tail = this.stderr.slice(-5).join('\n');
    const error = appError('internal_error', `The inference worker ${why}${tail ? `: ${tail}` : ''}`);
    if (this.pending.size) this.opts.log('error', error.message);
    for (const queue of this.pending.values()) queue.end(error);
    this.pending.clear();
  }
}
