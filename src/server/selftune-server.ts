import { mkdir } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AwsEnv } from '../blobs/s3-location.ts';
import { buildStorage, type Storage } from '../blobs/storage.ts';
import type { Config } from '../config/config.ts';
import { dataPaths, trainerDir } from '../config/paths.ts';
import { openStore } from '../db/backend.ts';
import { migrate } from '../db/migrate.ts';
import { checkTrainerEnvironment, ensureDemoModel } from '../models/demo-model.ts';
import { buildContainer } from './container.ts';
import type { AppContext } from './context.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { buildHttp, type Health } from './http.ts';
import { ExposureRefused, judgeExposure } from './http/exposure.ts';
import { openSecretBox } from '../secrets/server-key.ts';

export interface SelftuneServer {
  app: FastifyInstance;
  ctx: AppContext;
  /** Resolves once jobs can be accepted and run (/health answers 200 from then on). */
  ready: Promise<void>;
  /**
   * Listens on the configured host and port, after checking who could reach
   * it: without any API key, only loopback (or SELFTUNE_ALLOW_NO_AUTH). Throws
   * the refusal, naming the fix; logs the warnings. Resolves to the address.
   */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens the data directory and starts everything (`awsEnv`: the AWS settings
 * for SELFTUNE_BLOB_URL, the process environment unless given; `logStream`:
 * where the log goes instead of stdout). The HTTP server can listen
 * at once; training waits until the trainer's environment and the demo model
 * are checked, which /health reports.
 */
export async function createServer(config: Config, opts: { awsEnv?: AwsEnv; logStream?: Writable } = {}): Promise<SelftuneServer> {
  const paths = dataPaths(config.dataDir);
  await mkdir(config.dataDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  const store = openStore(config.databaseUrl, paths.database);
  let storage: Storage;
  let secrets: Awaited<ReturnType<typeof openSecretBox>>;
  try {
    storage = buildStorage(config, paths, opts.awsEnv ?? process.env);
    await migrate(store);
    await storage.blobs.init(); // with object storage: fails here, naming the settings, when the bucket cannot be reached
    secrets = await openSecretBox({ configured: config.secretKey, dataDir: config.dataDir, sharedDatabase: config.databaseUrl !== null }, store.db);
  } catch (err) {
    await store.close();
    unlock();
    throw err;
  }
  const { ctx, scheduler, uploadSweeper, executor, log, tokens, runnerUrl, webhookLoop } = buildContainer(config, store, paths, storage, secrets.box);
  await mkdir(paths.runs, { recursive: true });
  const health: Health = { ready: false, problem: null, executorProblem: () => executor.problem?.() ?? null, activeJobs: () => scheduler.activeJobs };
  const app = await buildHttp(ctx, health, opts.logStream);
  runnerUrl?.follow(app.server, config.host);
  ctx.signedUrls.publicUrl.follow(app.server, config.host);
  log.use(app.log);
  if (secrets.warning) app.log.warn(secrets.warning);
  uploadSweeper.start();
  webhookLoop.start(); // pending deliveries from before a restart go out now

  const ready = (async () => {
    await Promise.all([
      ensureDemoModel(paths.models, config.demoModelCache, config.python, trainerDir),
      checkTrainerEnvironment(config.python, trainerDir),
    ]);
    for (const folder of await ctx.catalog.unusable()) app.log.warn(`models/${folder.id} is not a usable model: ${folder.reason}`);
    await scheduler.start();
    health.ready = true;
  })();
  ready.catch((err: Error) => {
    health.problem = `The trainer is not usable: ${err.message}`;
    app.log.error(health.problem);
  });

  let closed = false;
  return {
    app,
    ctx,
    ready,
    listen: async () => {
      const verdict = judgeExposure({ host: config.host, keysRequired: await ctx.auth.keysRequired(), allowNoAuth: config.allowNoAuth, publicUrl: config.publicUrl });
      if (verdict.refusal) throw new ExposureRefused(verdict.refusal);
      const address = await app.listen({ port: config.port, host: config.host });
      for (const note of verdict.notes) app.log.info(note);
      for (const warning of verdict.warnings) app.log.warn(warning);
      return address;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await ready.catch(() => {}); // a failed start was logged when it happened; closing goes on
      await Promise.all([scheduler.stop(), ctx.modelPulls.close(), uploadSweeper.stop()]);
      await webhookLoop.stop(); // requests in flight finish; what is still owed is sent by the next start
      await app.close();
      await Promise.all([ctx.inference.close(), tokens.close()]);
      await store.close();
      unlock();
    },
  };
}
