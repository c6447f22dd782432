import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RunExit } from '../executor.ts';
import { parseTrainerLine, type TrainerCommand, type TrainerEvent } from '../trainer-protocol.ts';

const STDERR_TAIL_LINES = 20;

/**
 * One trainer subprocess. Events are handed to the attached handler strictly
 * in order (each awaited before the next), so the database sees them as
 * emitted; lines that arrive before a handler is attached wait for it.
 * The trainer exits by itself if our end of its stdin closes or this process
 * (SELFTUNE_SERVER_PID) dies: trainer/selftune_trainer/parent_watch.py.
 *
 * With `processes` > 1 the job runs under torchrun, one process per GPU: rank 0
 * speaks the protocol on the shared stdin/stdout, and the whole group (torchrun
 * and its ranks, in a process group of their own) is signalled together.
 */
export class TrainerProcess {
  private readonly child: ChildProcess;
  private readonly stderr: string[] = [];
  private handler: ((e: TrainerEvent) => Promise<void>) | null = null;
  private attached!: () => void;
  private hasExited = false;
  readonly exited: Promise<RunExit>;

  constructor(python: string, trainerDir: string, args: string[], readonly processes = 1, env: Record<string, string> = {}) {
    const launcher = processes > 1 ? ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', String(processes)] : [];
    this.child = spawn(python, [...launcher, '-m', 'selftune_trainer', 'train', ...args], {
      // The trainer package first; an operator's own PYTHONPATH (extra packages) after it.
      env: { ...process.env, ...env, PYTHONPATH: [trainerDir, process.env.PYTHONPATH].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false', SELFTUNE_SERVER_PID: String(process.pid) },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: processes > 1,
    });
    this.child.stdin?.on('error', () => {}); // the trainer may exit before reading a command
    const stderr = createInterface({ input: this.child.stderr! });
    stderr.on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > STDERR_TAIL_LINES) this.stderr.shift();
    });
    const stdout = createInterface({ input: this.child.stdout! });
    let chain = new Promise<void>((resolve) => (this.attached = resolve));
    stdout.on('line', (line) => {
      const event = parseTrainerLine(line);
      if (!event) return;
      chain = chain.then(() => this.handler?.(event));
      // A failed handler leaves the chain rejected: later events are not applied and `exited` rejects with
      // the error. Handled here so it cannot end the server as an unhandled rejection; the trainer is
      // stopped, as what it reports can no longer be recorded.
      chain.catch(() => this.kill());
    });
    const closed = new Promise<void>((resolve) => stdout.on('close', resolve));
    const spawnError = new Promise<Error>((resolve) => this.child.on('error', resolve));
    this.exited = Promise.race([
      new Promise<RunExit>((resolve, reject) =>
        this.child.on('exit', (code, signal) => {
          this.hasExited = true;
          this.attached(); // a process that died unattached must still report its exit
          // Wait for stdout to drain and every event to be applied before reporting the exit.
          closed.then(() => chain).then(() => resolve({ code, signal, stderrTail: this.stderr.join('\n') }), reject);
        }),
      ),
      spawnError.then((err) => ({ code: null, signal: null, stderrTail: `could not start ${python}: ${err.message}` })),
    ]);
  }

  /** Starts delivering events (including any that arrived before) to `handler`. */
  attach(handler: (e: TrainerEvent) => Promise<void>): void {
    this.handler = handler;
    this.attached();
  }

  get alive(): boolean {
    return !this.hasExited && this.child.exitCode === null && this.child.signalCode === null;
  }

  send(command: TrainerCommand | { command: 'start'; spec: string }): void {
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async kill(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await Promise.allSettled([this.exited]); // a failure is reported to whoever awaits `exited`
    clearTimeout(timer);
    if (this.processes > 1) this.signal('SIGKILL'); // no rank outlives its launcher
  }

  private signal(name: NodeJS.Signals): void {
    if (this.processes <= 1 || this.child.pid === undefined) {
      this.child.kill(name);
      return;
    }
    try {
      process.kill(-this.child.pid, name); // the process group: torchrun and every rank
    } catch {
      // the group is gone already
    }
  }
}
