import type { FastifyInstance } from 'fastify';
import { routesOf } from '../../src/server/route-list.ts';

// Every route the running server registered (server/route-list.ts records them
// as they are added): a route another change adds is fuzzed without touching the fuzzer.

export interface Route {
  method: string;
  /** Fastify's pattern: `/v1/files/:id/content`, `/v1/models/*`. */
  path: string;
}

/** The API routes of both dialects (and any other `/…/v1` prefix), HEAD left out: GET already walks its handler. */
export function apiRoutes(app: FastifyInstance): Route[] {
  const seen = new Set<string>();
  return routesOf(app)
    .map(({ method, url }) => ({ method, path: url }))
    .filter((r) => /^\/(mistral\/)?v1\//.test(r.path) && r.method !== 'HEAD')
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && Boolean(seen.add(`${r.method} ${r.path}`)))
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE')); // deletes last: earlier routes keep their targets
}

export const dialectOf = (path: string): 'openai' | 'mistral' => (path.startsWith('/mistral/') ? 'mistral' : 'openai');
