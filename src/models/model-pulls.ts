import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { invalidRequest, notFound } from '../errors/app-error.ts';
import { randomBase62 } from '../ids/ids.ts';
import { baseModelIdProblem, parseBaseModelId } from './base-model-id.ts';

export interface PullRequest {
  model: string;
  revision: string;
  includePatterns: string[];
}

/** One download of a Hugging Face repository into the models folder. */
export interface ModelPull extends PullRequest {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  commit: string | null;
  bytesDone: number;
  bytesTotal: number | null;
  filesDone: number;
  filesTotal: number | null;
  skippedFiles: string[];
  error: { code: string; message: string } | null;
  createdAt: number; // ms
  finishedAt: number | null;
}

type PullEvent =
  | { event: 'pull_started'; commit: string; files: number; total_bytes: number; skipped: string[] }
  | { event: 'pull_progress'; bytes_done: number; bytes_total: number; files_done: number; files_total: number }
  | { event: 'pull_completed'; commit: string }
  | { event: 'failed'; code: string; message: string }
  | { event: 'log'; message: string };

export interface ModelPullsOptions {
  python: string;
  trainerDir: string;
  modelsDir: string;
  now: () => number;
}

/**
 * Pulls run as `python -m selftune_trainer pull-model` subprocesses (huggingface_hub,
 * JSON-line progress). Records live in memory: what lasts is the model folder,
 * and a pull cut short (even by a restart) resumes its partial files when asked again.
 */
export class ModelPulls {
  private readonly pulls = new Map<string, ModelPull>();
  private readonly running = new Map<string, ChildProcess>();

  constructor(private readonly opts: ModelPullsOptions) {}

  /** Starts a pull, or returns the one already running for the same model. */
  start(request: PullRequest): ModelPull {
    const id = parseBaseModelId(request.model);
    if (!id) throw invalidRequest(baseModelIdProblem(request.model)!, 'model', 'invalid_model_id');
    const current = [...this.pulls.values()].find((p) => p.model === request.model && p.status === 'running');
    if (current) return current;
    const pull: ModelPull = {
      ...request, id: `pull_${randomBase62(24)}`, status: 'running', commit: null, bytesDone: 0, bytesTotal: null,
      filesDone: 0, filesTotal: null, skippedFiles: [], error: null, createdAt: this.opts.now(), finishedAt: null,
    };
    this.pulls.set(pull.id, pull);
    const args = [
      '-m', 'selftune_trainer', 'pull-model', '--repo', request.model, '--revision', request.revision,
      '--dest', join(this.opts.modelsDir, ...id.segments),
      // A dot folder is never listed as a model, and sits on the same disk for the final rename.
      '--staging', join(this.opts.modelsDir, '.pulls', ...id.segments),
      ...request.includePatterns.flatMap((p) => ['--include-pattern', p]),
    ];
    const child = spawn(this.opts.python, args, { env: { ...process.env, PYTHONPATH: this.opts.trainerDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.running.set(pull.id, child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        apply(pull, JSON.parse(line) as PullEvent);
      } catch {
        // not a protocol line: ignore
      }
    });
    const finish = (code: number | null, why: string) => {
      this.running.delete(pull.id);
      pull.finishedAt = this.opts.now();
      if (code === 0 && pull.status === 'succeeded') return;
      pull.status = 'failed';
      pull.error ??= { code: 'pull_failed', message: why || stderr.trim().split('\n').at(-1) || `exit code ${code}` };
    };
    child.on('error', (err) => finish(null, `cannot start ${this.opts.python}: ${err.message}`));
    child.on('close', (code) => finish(code, ''));
    return pull;
  }

  get(id: string): ModelPull {
    const pull = this.pulls.get(id);
    if (!pull) throw notFound(`No model pull with id '${id}'`, 'id', 'pull_not_found');
    return pull;
  }

  list(): ModelPull[] {
    return [...this.pulls.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Stops running pulls (their partial files stay, to be resumed). */
  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((child) => new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    })));
  }
}

function apply(pull: ModelPull, e: PullEvent): void {
  switch (e.event) {
    case 'pull_started':
      Object.assign(pull, { commit: e.commit, filesTotal: e.files, bytesTotal: e.total_bytes, skippedFiles: e.skipped });
      return;
    case 'pull_progress':
      Object.assign(pull, { bytesDone: e.bytes_done, bytesTotal: e.bytes_total, filesDone: e.files_done, filesTotal: e.files_total });
      return;
    case 'pull_completed':
      pull.status = 'succeeded';
      return;
    case 'failed':
      pull.error = { code: e.code, message: e.message };
      return;
  }
}
