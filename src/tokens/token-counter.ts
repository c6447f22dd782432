import type { ChildProcess } from 'node:child_process';
import { type AppError, appError } from '../errors/app-error.ts';
import { type LineProcess, startLineProcess } from '../executors/line-process.ts';
import { RestartPolicy } from '../inference/restart-policy.ts';
import type { Logger } from '../logging/logger.ts';
import { type CountReply, type CountRequest, type FileTokens, parseCountLine } from './count-protocol.ts';

export interface TokenCounterOptions {
  python: string;
  trainerDir: string;
  log: Logger;
}

interface Pending {
  req: CountRequest;
  /** Helpers it was sent to; one that dies while counting it costs it one of its two tries. */
  tries: number;
  resolve: (files: FileTokens[]) => void;
  reject: (err: AppError) => void;
}

/**
 * The warm token counter (`serve-token-counts`): one Python process per server
 * that imports transformers once and keeps each model's tokenizer, so a job's
 * estimate costs the file read, not a 4 s interpreter start. Started when a
 * validation that will count begins (or by the first count), not with the
 * server, so `npm start` and servers that never estimate pay nothing. Requests are written as they come (the helper reads
 * them once its imports are done) and answered by id; the helper interleaves
 * them. If it dies, it is restarted and the counts it held are sent again,
 * once: a count that kills it twice fails with its reason.
 */
export class TokenCounter {
  private child: ChildProcess | null = null;
  private ready = false;
  private readySince = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  /** The current process's handle (the last one, once it has exited). */
  private proc: LineProcess | null = null;
  private readonly restarts = new RestartPolicy();

  constructor(private readonly opts: TokenCounterOptions) {}

  /** Examples and tokens of each file (read by the helper from its local path) with the model folder's tokenizer. */
  count(modelPath: string, files: string[]): Promise<FileTokens[]> {
    if (this.stopping) return Promise.reject(shuttingDown());
    const req: CountRequest = { op: 'count', id: String(++this.nextId), model: modelPath, files };
    return new Promise((resolve, reject) => {
      const pending: Pending = { req, tries: 0, resolve, reject };
      this.pending.set(req.id, pending);
      if (this.child) this.send(this.child, pending);
      else if (!this.restartTimer) this.start();
    });
  }

  /** Starts the helper now, if none runs, so that its imports overlap other work before the first count. */
  warm(): void {
    if (!this.child && !this.restartTimer && !this.stopping) this.start();
  }

  /** The helper process, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async close(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    for (const id of [...this.pending.keys()]) this.settle(id, shuttingDown());
    if (this.child) await this.proc?.stop();
  }

  private send(child: ChildProcess, pending: Pending): void {
    pending.tries++;
    child.stdin?.write(`${JSON.stringify(pending.req)}\n`);
  }

  private settle(id: string, outcome: AppError | FileTokens[]): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (Array.isArray(outcome)) pending.resolve(outcome);
    else pending.reject(outcome);
  }

  private start(): void {
    this.restartTimer = null;
    const proc = startLineProcess({
      ...this.opts,
      args: ['serve-token-counts'],
      onLine: (line) => this.dispatch(proc.child, line),
      onExit: (why, spawnFailed) => this.onExit(proc.child, why, spawnFailed),
      onWarning: (message) => this.opts.log.warn({}, `token counter: ${message}`),
    });
    this.child = proc.child;
    this.ready = false;
    this.proc = proc;
    for (const pending of this.pending.values()) this.send(proc.child, pending);
  }

  private onExit(child: ChildProcess, why: string, spawnFailed: boolean): void {
    if (this.child !== child) return;
    const wasReady = this.ready;
    this.child = null;
    this.ready = false;
    if (this.stopping) return;
    const tail = this.proc?.stderrTail(5) ?? '';
    const detail = `The token counter ${why}${tail ? `: ${tail}` : ''}`;
    const delayMs = spawnFailed ? null : this.restarts.exited(wasReady, Date.now() - this.readySince);
    this.opts.log[this.pending.size ? 'error' : 'warn']({}, detail);
    for (const [id, pending] of [...this.pending]) {
      if (delayMs === null || pending.tries >= 2) this.settle(id, appError('trainer_tool_failed', `Counting the tokens of ${pending.req.files.join(', ')} failed: ${detail}`));
    }
    if (delayMs === null) return this.restarts.reset();
    // Restart now only for counts still waiting; otherwise the next count starts it.
    if (this.pending.size) this.restartTimer = setTimeout(() => this.start(), delayMs);
  }

  private dispatch(child: ChildProcess, line: string): void {
    const msg: CountReply | null = parseCountLine(line);
    if (!msg) return;
    if (msg.event === 'ready') {
      this.ready = this.child === child;
      this.readySince = Date.now();
      return;
    }
    if (msg.event === 'log') return this.opts.log[msg.level === 'error' || msg.level === 'warn' ? msg.level : 'info']({}, `token counter: ${msg.message}`);
    if (msg.event === 'counted') return this.settle(msg.id, msg.files);
    const files = this.pending.get(msg.id)?.req.files.join(', ');
    this.settle(msg.id, appError('trainer_tool_failed', `Counting the tokens of ${files} failed (${msg.code}): ${msg.message}`));
  }
}

const shuttingDown = () => appError('trainer_tool_failed', 'The server is shutting down; the tokens were not counted.');
