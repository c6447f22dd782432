import type { z } from 'zod';
import { AppError, invalidRequest } from './app-error.ts';
import type { CodeWithStatus } from './catalogue.ts';

/** Dotted path as OpenAI reports it: `hyperparameters.n_epochs`, `integrations[0].wandb.project`. */
export function dottedPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** Turns the first zod issue into one clear request error naming the field. */
export function zodToAppError(error: z.ZodError, input: unknown, root?: string): AppError {
  const issue = error.issues[0]!;
  const value = valueAt(input, issue.path);
  const at = [...(root ? [root] : []), ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const where = at.length ? ` in '${dottedPath(at)}'` : '';
    return invalidRequest(`Unrecognized request argument supplied${where}: ${issue.keys.join(', ')}`, dottedPath([...at, issue.keys[0]!]), 'unknown_parameter');
  }
  const param = dottedPath(at) || null;
  if (issue.code === 'invalid_type' && value === undefined) {
    const missing = param ? `Missing required parameter: '${param}'.` : `The request needs a body: expected ${issue.expected}.`;
    return invalidRequest(missing, param, 'missing_required_parameter');
  }
  const detail = issue.code === 'invalid_type' ? `expected ${issue.expected}, but got ${describe(value)} instead` : issue.message;
  // An issue at the root is the body as a whole (`[]` where an object was expected), which has no name.
  return invalidRequest(`Invalid ${param ? `'${param}'` : 'request body'}: ${detail}.`, param, codeFor(issue));
}

function codeFor(issue: z.core.$ZodIssue): CodeWithStatus<400> {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string' ? 'string_above_max_length' : issue.origin === 'object' ? 'object_above_max_properties' : 'value_above_maximum';
    case 'too_small':
      return issue.origin === 'string' ? 'string_below_min_length' : 'value_below_minimum';
    case 'invalid_type':
      return 'invalid_type';
    case 'invalid_value':
      return 'invalid_value';
    default:
      return 'invalid_value';
  }
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw zodToAppError(result.error, value, root);
  return result.data;
}
