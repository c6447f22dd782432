import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { repoRoot } from '../config/paths.ts';

export const dashboardDist = join(repoRoot, 'web/dist');

/** Paths the APIs own: an unknown URL there is an API 404, never the dashboard. */
const API_PREFIXES = ['/v1', '/mistral', '/health'];
const isApiPath = (url: string) => API_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`));

/**
 * The dashboard: the single-page app built into web/dist (scripts/build-web.mjs),
 * served at `/`. Any other GET that asks for HTML gets index.html so that deep
 * links (`/jobs/ftjob-…`) load the app, which routes in the browser.
 */
export async function registerDashboard(app: FastifyInstance, dist = dashboardDist): Promise<void> {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) {
    // A checkout run without `npm run setup`: the APIs work, the page says how to build it.
    app.log.warn(`dashboard not built (${index} missing); run npm run setup`);
    app.get('/', async (_request, reply) => reply.type('text/plain').send('The dashboard is not built: run `npm run setup`.\n'));
    return;
  }
  await app.register(fastifyStatic, {
    root: dist,
    wildcard: false, // only the built files get routes, so API prefixes keep their own 404s
    preCompressed: true,
    // Asset names carry a content hash; index.html names the current ones and must be revalidated.
    // (`path` may be the pre-compressed copy: index.html.br.)
    setHeaders: (reply, path) => {
      void reply.header('cache-control', /\.html(\.br|\.gz)?$/.test(path) ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
    cacheControl: false,
  });
  app.setNotFoundHandler((request, reply) => {
    const wantsPage = request.method === 'GET' && !isApiPath(request.url) && (request.headers.accept ?? '').includes('text/html');
    if (wantsPage) return reply.sendFile('index.html');
    return reply.status(404).send({ message: `Route ${request.method}:${request.url} not found`, error: 'Not Found', statusCode: 404 });
  });
}
