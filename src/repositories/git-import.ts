import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { invalidRequest } from '../errors/app-error.ts';
import { newUuid } from '../ids/ids.ts';

const exec = promisify(execFile);

/** Files larger than this are not turned into samples (generated or vendored data, mostly). */
const MAX_FILE_BYTES = 256 * 1024;

export interface RepositoryRequest {
  name: string;
  owner: string;
  ref?: string | null | undefined;
  token: string;
}

export interface ImportedRepository {
  ref: string;
  commit_id: string;
  /** A JSONL file of `{"text": …}` samples, one per text file of the tree. */
  samples_path: string;
  samples: number;
}

/**
 * Clones `<gitBaseUrl>/<owner>/<name>` at `ref` with the git CLI (shallow), and
 * turns every tracked text file into a training sample. The clone is removed;
 * only the samples file is kept.
 */
export class RepositoryImporter {
  constructor(
    private readonly gitBaseUrl: string,
    private readonly dir: string,
  ) {}

  async import(repo: RepositoryRequest, param: string): Promise<ImportedRepository> {
    const home = join(this.dir, newUuid());
    const tree = join(home, 'tree');
    await mkdir(home, { recursive: true });
    const url = `${this.gitBaseUrl.replace(/\/$/, '')}/${repo.owner}/${repo.name}`;
    // The token travels as a header, never in the URL (which git may print in errors).
    const auth = repo.token ? ['-c', `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${repo.token}`).toString('base64')}`] : [];
    try {
      const branch = repo.ref ? ['--branch', repo.ref] : [];
      await exec('git', [...auth, 'clone', '--quiet', '--depth', '1', ...branch, url, tree], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
      const git = (...args: string[]) => exec('git', ['-C', tree, ...args]).then((r) => r.stdout.trim());
      const commit = await git('rev-parse', 'HEAD');
      const ref = repo.ref ?? (await git('rev-parse', '--abbrev-ref', 'HEAD'));
      const files = (await git('ls-files', '-z')).split('\0').filter(Boolean);
      const lines: string[] = [];
      for (const file of files) {
        const text = await textOf(join(tree, file));
        if (text !== null) lines.push(JSON.stringify({ text }));
      }
      if (lines.length === 0) throw invalidRequest(`Repository ${repo.owner}/${repo.name} at ${ref} has no text files to train on.`, param, 'empty_repository');
      const samplesPath = join(home, 'samples.jsonl');
      await writeFile(samplesPath, lines.join('\n') + '\n');
      return { ref, commit_id: commit, samples_path: samplesPath, samples: lines.length };
    } catch (err) {
      await rm(home, { recursive: true, force: true });
      if ((err as { stderr?: string }).stderr !== undefined) {
        const why = String((err as { stderr: string }).stderr).trim().split('\n').at(-1);
        throw invalidRequest(`Repository ${repo.owner}/${repo.name}${repo.ref ? ` at ${repo.ref}` : ''} could not be cloned: ${why}`, param, 'repository_unavailable');
      }
      throw err;
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }
}

/** The file's text, or null when it is binary, empty or too large. */
async function textOf(path: string): Promise<string | null> {
  const info = await stat(path);
  if (!info.isFile() || info.size === 0 || info.size > MAX_FILE_BYTES) return null;
  const bytes = await readFile(path);
  if (bytes.includes(0)) return null;
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') ? null : text;
}
