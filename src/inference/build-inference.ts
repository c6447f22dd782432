import { availableParallelism } from 'node:os';
import type { Config } from '../config/config.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import { externalServers } from './external-server.ts';
import { InferenceService } from './inference-service.ts';
import { InferenceWorker } from './inference-worker.ts';
import type { ModelResolver } from './model-resolver.ts';

/** Half the cores by default: training takes all but one, so the two share rather than both claim everything. */
export const inferenceThreads = (configured: number): number => configured || Math.max(1, Math.floor(availableParallelism() / 2));

export function buildInference(config: Config, catalog: ModelCatalog, resolver: ModelResolver, trainerDir: string): InferenceService {
  const log = (level: string, message: string) => {
    if (config.logLevel !== 'silent' && level !== 'info') process.stderr.write(`[${level}] ${message}\n`);
  };
  const worker = new InferenceWorker({
    python: config.python,
    trainerDir,
    threads: inferenceThreads(config.inferenceThreads),
    cacheSize: config.inferenceCacheSize,
    maxActive: config.inferenceMaxActive,
    maxWaiting: config.inferenceMaxWaiting,
    startTimeoutMs: config.inferenceStartTimeoutSeconds * 1000,
    log,
  });
  const service = new InferenceService(resolver, worker, externalServers(config.externalInference), config.inferenceCrashReplays, catalog);
  catalog.onDelete((model) => service.unload(model));
  service.watchDeletes((err) => log('warn', `checking for models deleted through other servers failed: ${(err as Error).message}`));
  return service;
}
