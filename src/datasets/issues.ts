// Turns zod issues into one readable problem per line. We report the first
// issue only (zod lists them in field order), so the caller sees one clear
// reason per bad line, like OpenAI's own job errors do.
import type { z } from 'zod';
import { type ErrorCode, isErrorCode } from '../errors/catalogue.ts';
import type { LineProblem } from './types.ts';

type Path = ReadonlyArray<PropertyKey>;
type Issue = z.core.$ZodIssue & { input?: unknown };

/** Keys whose array items are chat messages; key issues inside them get message_* codes. */
const MESSAGE_LISTS = new Set(['messages', 'preferred_output', 'non_preferred_output', 'preferred_completion', 'non_preferred_completion']);

export const ROLE_HINT = 'expected system, user, assistant, tool';

/** `['messages', 2, 'role']` → `messages[2].role`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Quotes a user value for a message, cut short so one huge value cannot flood it. */
export function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const chars = Array.from(s);
  return `'${chars.length > 40 ? chars.slice(0, 40).join('') + '...' : s}'`;
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** zod's type names, in JSON words (a zod record is a JSON object). */
function expectedName(expected: string): string {
  return expected === 'record' ? 'object' : expected;
}

export function problem(code: ErrorCode, path: Path, text: string): LineProblem {
  const field = path.length ? formatPath(path) : null;
  return { code, field, message: field ? `${field}: ${text}` : text };
}

/** Parses `value` with `schema`; returns null or the first issue, with `prefix` before its path. */
export function firstProblem(schema: z.ZodType, value: unknown, prefix: Path = []): LineProblem | null {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return null;
  const issue = r.error.issues[0] as Issue;
  return translate(issue, [...prefix, ...issue.path]);
}

function isMessageKey(path: Path): boolean {
  const list = path[path.length - 3];
  return typeof path[path.length - 2] === 'number' && typeof list === 'string' && MESSAGE_LISTS.has(list);
}

/** `messages[1]: missing required key 'role'`, with the field pointing at the missing key. */
export function missingKey(code: ErrorCode, path: Path): LineProblem {
  const owner = formatPath(path.slice(0, -1)) || 'example';
  return { code, field: formatPath(path), message: `${owner}: missing required key '${String(path[path.length - 1])}'` };
}

function translate(issue: Issue, path: Path): LineProblem {
  const key = path[path.length - 1];
  const missing = !('input' in issue) || issue.input === undefined;
  switch (issue.code) {
    case 'invalid_type':
    case 'invalid_value':
      if (missing) return missingKey(key === 'messages' ? 'missing_messages_list' : isMessageKey(path) ? 'message_missing_key' : 'missing_key', path);
      if (key === 'role' && isMessageKey(path)) return problem('unrecognized_role', path, `unrecognized role ${quote(issue.input)} (${ROLE_HINT})`);
      if (key === 'messages') return problem('missing_messages_list', path, `expected an array of messages, got ${typeName(issue.input)}`);
      if (issue.code === 'invalid_type') return problem('invalid_type', path, `expected ${expectedName(issue.expected)}, got ${typeName(issue.input)}`);
      return problem('invalid_value', path, `invalid value ${quote(issue.input)} (expected ${issue.values.map(quote).join(' or ')})`);
    case 'unrecognized_keys': {
      const name = issue.keys[0] ?? '';
      const inMessage = typeof key === 'number' && MESSAGE_LISTS.has(String(path[path.length - 2]));
      return { code: inMessage ? 'message_unrecognized_key' : 'unrecognized_key', field: formatPath([...path, name]), message: `${formatPath(path)}: unrecognized key ${quote(name)}` };
    }
    case 'invalid_union':
      return translateUnion(issue, path);
    case 'too_small':
      if (key === 'messages') return problem('missing_messages_list', path, 'must be a non-empty array of messages');
      if (issue.origin === 'string') return problem('missing_content', path, 'must not be empty');
      return problem('invalid_value', path, `must have at least ${String(issue.minimum)} item(s)`);
    case 'custom':
      return problem(isErrorCode(issue.params?.['code']) ? issue.params['code'] : 'invalid_value', path, issue.message);
    default:
      return problem('invalid_value', path, issue.message);
  }
}

/**
 * zod reports a failed union as one issue per branch. Show the branch that got
 * furthest into the value (e.g. a bad content part, not "expected string"),
 * or a plain "expected A or B" when every branch failed at the top.
 */
function translateUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: Path): LineProblem {
  if (issue.errors.length === 0) {
    // discriminatedUnion with no matching tag: zod puts the tag key in the path
    const tag = (issue as { discriminator?: string }).discriminator;
    const options = (issue as { options?: unknown[] }).options ?? [];
    const input = issue.input as Record<string, unknown> | undefined;
    const value = tag && input && typeof input === 'object' ? input[tag] : undefined;
    if (value === undefined) return missingKey('missing_key', path);
    return problem('invalid_value', path, `invalid value ${quote(value)} (expected ${options.map(quote).join(' or ')})`);
  }
  const branches = issue.errors.map((errs) => errs[0]).filter((e): e is Issue => e !== undefined);
  const deepest = branches.reduce<Issue | undefined>((best, e) => (!best || e.path.length > best.path.length ? e : best), undefined);
  if (deepest && deepest.path.length > 0) return translate(deepest, [...path, ...deepest.path]);
  // A branch whose type matched but whose value did not (e.g. an empty string) says the most.
  const typed = branches.find((e) => e.code !== 'invalid_type');
  if (typed) return translate(typed, path);
  if (issue.input === undefined) return missingKey(isMessageKey(path) ? 'message_missing_key' : 'missing_key', path);
  const expected = branches.map((e) => (e.code === 'invalid_type' ? expectedName(e.expected) : 'valid value')).join(' or ');
  return problem('invalid_type', path, `expected ${expected}, got ${typeName(issue.input)}`);
}
