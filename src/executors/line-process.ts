import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How many of its last stderr lines a warm helper keeps, to say why it died. */
const STDERR_TAIL_LINES = 20;

export interface LineProcessOptions {
  python: string;
  trainerDir: string;
  /** `selftune_trainer` subcommand and its arguments. */
  args: string[];
  /** Each stdout line, in order. */
  onLine: (line: string) => void;
  /** Once: it exited (after its last stdout lines were read) or could not be started at all. */
  onExit: (why: string, spawnFailed: boolean) => void;
  /** A process error while it still runs (its exit follows through `onExit`). */
  onWarning: (message: string) => void;
}

export interface LineProcess {
  child: ChildProcess;
  /** Resolves after `onExit` has run. */
  exited: Promise<void>;
  /** Its last `n` stderr lines, joined. */
  stderrTail(n: number): string;
  /** EOF on its stdin (it exits by itself), SIGKILL if it has not within 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * A warm `selftune_trainer` helper speaking JSON lines (the inference worker,
 * the token counter): started with the trainer on its path, stdout handed over
 * line by line, the tail of stderr kept for the message when it dies.
 */
export function startLineProcess(opts: LineProcessOptions): LineProcess {
  const child = spawn(opts.python, ['-m', 'selftune_trainer', ...opts.args], {
    env: { ...process.env, PYTHONPATH: opts.trainerDir, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stdin?.on('error', () => {}); // a dead helper is reported through 'close'
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_TAIL_LINES) stderr.shift();
  });
  createInterface({ input: child.stdout! }).on('line', opts.onLine);
  const exited = new Promise<void>((resolve) => {
    // 'close', not 'exit': the replies it wrote before dying are read first.
    child.on('close', (code, signal) => {
      opts.onExit(`exited (${signal ?? `code ${code}`})`, false);
      resolve();
    });
    child.on('error', (err) => {
      if (child.pid !== undefined) return opts.onWarning(err.message); // running; 'close' tells when it ends
      opts.onExit(`could not be started (${opts.python}: ${err.message})`, true);
      resolve();
    });
  });
  const stop = async () => {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, stop, stderrTail: (n) => stderr.slice(-n).join('\n') };
}
