import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { appError } from '../errors/app-error.ts';
import { isRunnerToken } from '../runner/runner-tokens.ts';
import type { Caller } from './context.ts';

export const DEFAULT_ORG = 'org-default';

const fingerprint = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match ? match[1]!.trim() : null;
}

const sameKey = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * While no API keys are configured every caller is org-default (any bearer
 * token but a runner token, or none, is accepted). With keys configured a known key is required.
 */
export function authenticate(request: FastifyRequest, apiKeys: readonly string[]): Caller {
  const key = bearer(request);
  // A remote trainer's token reaches its job's runner routes and nothing else.
  if (key && isRunnerToken(key)) throw appError('invalid_api_key', 'A runner token is not an API key.');
  if (apiKeys.length === 0) return { orgId: DEFAULT_ORG, keyFingerprint: key ? fingerprint(key) : null };
  if (!key) throw appError('missing_api_key', "You didn't provide an API key. Provide it in the Authorization header (Authorization: Bearer YOUR_KEY).");
  if (!apiKeys.some((k) => sameKey(k, key))) throw appError('invalid_api_key', 'Incorrect API key provided.');
  return { orgId: DEFAULT_ORG, keyFingerprint: fingerprint(key) };
}
