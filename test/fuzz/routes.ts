import type { FastifyInstance } from 'fastify';

// Every route the running server has, read from Fastify's own radix-tree
// listing: a route another change adds is fuzzed without touching the fuzzer.

export interface Route {
  method: string;
  /** Fastify's pattern: `/v1/files/:id/content`, `/v1/models/*`. */
  path: string;
}

const TREE_LINE = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u;

/** Parses `app.printRoutes()`: each line's depth is its indentation, its segment joins its parents'. */
export function parseRouteTree(tree: string): Route[] {
  const segments: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const match = TREE_LINE.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    segments.length = depth;
    segments.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, path: segments.join('').replace(/^\/+/, '/') });
  }
  return routes;
}

/** The API routes of both dialects (and any other `/…/v1` prefix), HEAD left out: GET already walks its handler. */
export function apiRoutes(app: FastifyInstance): Route[] {
  return parseRouteTree(app.printRoutes())
    .filter((r) => /^\/(mistral\/)?v1\//.test(r.path) && r.method !== 'HEAD')
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE')); // deletes last: earlier routes keep their targets
}

export const dialectOf = (path: string): 'openai' | 'mistral' => (path.startsWith('/mistral/') ? 'mistral' : 'openai');
