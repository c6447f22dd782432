import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { invalidRequest } from '../errors/app-error.ts';
import type { RepositoryInput } from '../jobs/job.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { checkRepositoryNames } from './repository-names.ts';

const exec = promisify(execFile);

/** Files larger than this are not turned into samples (generated or vendored data, mostly). */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * Git repositories as training data, through the git CLI: `resolve` asks the
 * remote which commit a ref names (at create, nothing written); `import` clones
 * it shallowly and turns every tracked text file into a `{"text"}` sample (at
 * validation). The clone is removed; only the samples file is kept.
 */
export class RepositoryImporter {
  /** `secrets` opens the stored (sealed) tokens, here only, for git's environment. */
  constructor(
    private readonly gitBaseUrl: string,
    private readonly secrets: SecretBox,
  ) {}

  /** The repository with its ref (the default branch when none was given) and the commit it names now. */
  async resolve(repo: RepositoryInput, param: string): Promise<RepositoryInput> {
    checkRepositoryNames(repo, param);
    const listed = await this.git(repo, param, 'could not be reached', ['ls-remote', '--symref', '--', this.url(repo), repo.ref ?? 'HEAD']);
    const lines = listed.split('\n').map((line) => line.split('\t'));
    if (!repo.ref) {
      const branch = lines.map(([left]) => /^ref: refs\/heads\/(.+)$/.exec(left ?? '')?.[1]).find(Boolean);
      const commit = lines.find(([left, name]) => name === 'HEAD' && !left?.startsWith('ref:'))?.[0];
      if (!branch || !commit) throw invalidRequest(`Repository ${this.label(repo)} has no default branch.`, param, 'repository_unavailable');
      return { ...repo, ref: branch, commitId: commit };
    }
    const refs = new Map(lines.map(([sha, name]) => [name ?? '', sha ?? '']));
    // A branch, else a tag (an annotated tag's `^{}` line is the commit it points at).
    const commit = refs.get(`refs/heads/${repo.ref}`) ?? refs.get(`refs/tags/${repo.ref}^{}`) ?? refs.get(`refs/tags/${repo.ref}`);
    if (!commit) throw invalidRequest(`Repository ${this.label(repo)} has no branch or tag '${repo.ref}'.`, param, 'repository_unavailable');
    return { ...repo, commitId: commit };
  }

  /** Clones the repository at its ref and writes its samples to `samplesPath`; the token is dropped. */
  async import(repo: RepositoryInput, param: string, samplesPath: string): Promise<RepositoryInput> {
    checkRepositoryNames(repo, param); // again: a job stored before the names were checked
    const tree = `${samplesPath}.tree`;
    await rm(tree, { recursive: true, force: true });
    await mkdir(dirname(samplesPath), { recursive: true });
    try {
      const branch = repo.ref ? ['--branch', repo.ref] : [];
      await this.git(repo, param, 'could not be cloned', ['clone', '--quiet', '--depth', '1', ...branch, '--', this.url(repo), tree]);
      const git = (...args: string[]) => exec('git', ['-C', tree, ...args]).then((r) => r.stdout.trim());
      const commit = await git('rev-parse', 'HEAD');
      const ref = repo.ref ?? (await git('rev-parse', '--abbrev-ref', 'HEAD'));
      const files = (await git('ls-files', '-z')).split('\0').filter(Boolean);
      const lines: string[] = [];
      for (const file of files) {
        const text = await textOf(join(tree, file));
        if (text !== null) lines.push(JSON.stringify({ text }));
      }
      if (lines.length === 0) throw invalidRequest(`Repository ${this.label(repo)} at ${ref} has no text files to train on.`, param, 'empty_repository');
      await writeFile(samplesPath, lines.join('\n') + '\n');
      return { ...repo, ref, commitId: commit, token: null, samples: { path: samplesPath, count: lines.length } };
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }

  /**
   * Git's own reason (its `fatal:` line, else its last), with the base URL and,
   * for a file:// base, the server's folder taken out: a caller learns which
   * repository failed and why, not where the server keeps repositories.
   */
  private gitReason(stderr: string): string {
    const lines = stderr.trim().split('\n');
    let reason = (lines.find((l) => l.startsWith('fatal:')) ?? lines.at(-1) ?? '').replace(/^fatal:\s*/, '');
    const base = this.gitBaseUrl.replace(/\/$/, '');
    const folder = base.startsWith('file:') ? decodeURIComponent(new URL(base).pathname) : null;
    for (const prefix of [base, folder]) if (prefix) reason = reason.split(`${prefix}/`).join('');
    return reason;
  }

  private url = (repo: RepositoryInput) => `${this.gitBaseUrl.replace(/\/$/, '')}/${repo.owner}/${repo.name}`;
  private label = (repo: RepositoryInput) => `${repo.owner}/${repo.name}`;

  /** Runs git against the remote; its failure becomes a 400 naming the repository and git's last word. */
  private async git(repo: RepositoryInput, param: string, failed: string, args: string[]): Promise<string> {
    // The token travels as a header set through git's environment: never in the URL (which git may
    // print in errors) nor on the command line (which other users of the machine can read).
    const auth = repo.token
      ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${this.secrets.open(repo.token)}`).toString('base64')}` }
      : {};
    try {
      return (await exec('git', args, { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...auth } })).stdout.trim();
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr;
      if (stderr === undefined) throw err;
      throw invalidRequest(`Repository ${this.label(repo)}${repo.ref ? ` at ${repo.ref}` : ''} ${failed}: ${this.gitReason(stderr)}`, param, 'repository_unavailable');
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
