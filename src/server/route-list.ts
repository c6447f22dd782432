import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  /** The route's URL pattern with its prefix: `/v1/files/:id`, `/v1/models/*`. */
  url: string;
}

const lists = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * Remembers every route registered on `app` from now on (the HEAD routes
 * Fastify adds for GET included), so that tests which must cover every route
 * (tenancy, fuzzing) fail when a route is added without them.
 */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteEntry[] = [];
  lists.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
}

export const routesOf = (app: FastifyInstance): readonly RouteEntry[] => lists.get(app) ?? [];
