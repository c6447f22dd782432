import { invalidRequest } from '../errors/app-error.ts';
import type { RepositoryInput } from '../jobs/job.ts';

// What a repository's owner, name and ref may be, whatever SELFTUNE_GIT_BASE_URL's
// scheme (file://, git://, http(s)://, ssh://): they are joined onto the base as
// path segments and handed to git, so a `..` would leave the base and a leading
// `-` would read as an option.

const MAX_SEGMENT = 100;
const MAX_REF = 255;

/** Why `owner` cannot be a repository owner (GitHub's characters: letters, digits, `-`, `_`, `.`, starting with a letter or digit), or null. */
export function ownerProblem(owner: string): string | null {
  if (owner.length === 0 || owner.length > MAX_SEGMENT) return `must be 1 to ${MAX_SEGMENT} characters`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(owner)) return 'may hold only letters, digits, "-", "_" and ".", and must start with a letter or digit';
  if (owner.includes('..')) return 'may not contain ".."';
  return null;
}

/** Why `name` cannot be a repository name (GitHub's characters: letters, digits, `-`, `_`, `.`; not `.` or `..`, no leading `-`), or null. */
export function nameProblem(name: string): string | null {
  if (name.length === 0 || name.length > MAX_SEGMENT) return `must be 1 to ${MAX_SEGMENT} characters`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'may hold only letters, digits, "-", "_" and "."';
  if (name.startsWith('-')) return 'may not start with "-"';
  if (name.includes('..') || name === '.') return 'may not be "." or contain ".."';
  return null;
}

/** Why `ref` is no valid branch or tag name (`git check-ref-format` rules, and no leading `-`), or null. */
export function refProblem(ref: string): string | null {
  if (ref.length === 0 || ref.length > MAX_REF) return `must be 1 to ${MAX_REF} characters`;
  if (ref.startsWith('-')) return 'may not start with "-"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return 'may not contain spaces, control characters or any of ~ ^ : ? * [ \\';
  if (ref.includes('..') || ref.includes('@{') || ref === '@') return 'may not contain ".." or "@{", nor be "@"';
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return 'may not start or end with "/" nor contain "//"';
  if (ref.endsWith('.')) return 'may not end with "."';
  if (ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return 'may not have a part that starts with "." or ends with ".lock"';
  return null;
}

/** Refuses a repository whose owner, name or ref is unsafe, naming the field (`repositories[0].owner`). */
export function checkRepositoryNames(repo: Pick<RepositoryInput, 'owner' | 'name' | 'ref'>, param: string): void {
  const problems: [string, string | null][] = [
    ['owner', ownerProblem(repo.owner)],
    ['name', nameProblem(repo.name)],
    ['ref', repo.ref === null ? null : refProblem(repo.ref)],
  ];
  for (const [field, problem] of problems) {
    if (problem) throw invalidRequest(`Invalid repository ${field} ${JSON.stringify(repo[field as 'owner'])}: it ${problem}.`, `${param}.${field}`, 'invalid_value');
  }
}
