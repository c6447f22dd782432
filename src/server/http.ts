import type { Writable } from 'node:stream';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { mistralPlugin } from '../dialects/mistral/mistral.plugin.ts';
import { openAiPlugin } from '../dialects/openai/openai.plugin.ts';
import { newRequestId } from '../ids/ids.ts';
import { runnerPlugin } from '../runner/runner-routes.ts';
import { registerDashboard } from './dashboard.ts';
import { guardBodies, serverTimeouts } from './http/body-guard.ts';
import { renderFrameworkError } from './dialect-errors.ts';
import { answerClientError } from './http/client-errors.ts';
import { recordRoutes } from './route-list.ts';
import type { AppContext } from './context.ts';

/** Largest JSON body. */
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

export interface Health {
  ready: boolean;
  problem: string | null;
  /** Why the executor cannot start jobs now (a Ray cluster that does not answer), or null. */
  executorProblem: () => string | null;
  activeJobs: () => number;
}

/** The HTTP surface: both dialects, health, and the plumbing they share. */
export async function buildHttp(ctx: AppContext, health: Health, logStream?: Writable): Promise<FastifyInstance> {
  const app = Fastify({
    logger: ctx.config.logLevel === 'silent' ? false : { level: ctx.config.logLevel, ...(logStream ? { stream: logStream } : {}) },
    // Request lines only when debugging: a polling SDK would otherwise fill the log.
    logController: new LogController({ disableRequestLogging: ctx.config.logLevel !== 'debug' && ctx.config.logLevel !== 'trace' }),
    bodyLimit: BODY_LIMIT_BYTES,
    ...serverTimeouts(ctx.config.headersTimeoutSeconds, ctx.config.uploadTimeoutSeconds),
    genReqId: () => newRequestId(),
    frameworkErrors: renderFrameworkError,
    clientErrorHandler: answerClientError,
  });
  recordRoutes(app);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  guardBodies(app, { bodyLimitBytes: BODY_LIMIT_BYTES, maxUploadBytes: ctx.config.maxUploadBytes, bodyIdleMs: ctx.config.bodyIdleTimeoutSeconds * 1000 });
  // SDKs POST cancel/pause/resume with a JSON content type and no body; an empty body is an empty request.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
    }
  });
  await app.register(multipart, { limits: { fileSize: ctx.config.maxUploadBytes, files: 1, fields: 20 } });

  app.get('/health', async (_request, reply) => {
    // An unreachable training cluster degrades the server but leaves the API up (files, models, chat):
    // a load balancer that reads /health must not take every replica out for it.
    const degraded = health.problem ? null : health.executorProblem();
    const ok = health.ready && !health.problem;
    const status = !ok ? (health.problem ? 'error' : 'starting') : degraded ? 'degraded' : 'ok';
    return reply.status(ok ? 200 : 503).send({ status, problem: health.problem ?? degraded, active_jobs: health.activeJobs() });
  });
  await app.register(openAiPlugin(ctx), { prefix: '/v1' });
  await app.register(mistralPlugin(ctx), { prefix: '/mistral/v1' });
  if (ctx.runner) await app.register(runnerPlugin(ctx.runner), { prefix: '/runner/v1' });
  await registerDashboard(app);
  return app;
}
