import { join } from 'node:path';
import type { DataMirror } from '../../blobs/blob-store.ts';
import type { Config } from '../../config/config.ts';
import type { Store } from '../../db/backend.ts';
import type { EventsRepository } from '../../events/events.repository.ts';
import type { FilesService } from '../../files/files.service.ts';
import type { Clock } from '../../ids/clock.ts';
import type { Logger } from '../../logging/logger.ts';
import type { DeviceProfiles } from '../../planning/device-profile.ts';
import { RemoteRuns } from '../../runner/remote-runs.ts';
import type { RunnerEndpoint } from '../../runner/runner-routes.ts';
import { RunnerTokens } from '../../runner/runner-tokens.ts';
import { RunnerUrl } from '../../runner/runner-url.ts';
import { trainerSpec } from '../local/trainer-spec.ts';
import { RayDriver } from './ray-driver.ts';
import { RayExecutor } from './ray-executor.ts';
import type { SecretBox } from '../../secrets/secret-box.ts';
import { trainerSecretsEnv } from '../../secrets/trainer-secrets.ts';

export interface RayWiring {
  config: Config & { rayAddress: string };
  store: Store;
  mirror: DataMirror;
  files: FilesService;
  events: EventsRepository;
  profiles: DeviceProfiles;
  clock: Clock;
  log: Logger;
  runsDir: string;
  trainerDir: string;
  leaseOwner: string;
  secrets: SecretBox;
}

/** The Ray executor with the runner protocol it needs: the routes' endpoint and the URL runners use. */
export function buildRayExecutor(w: RayWiring): { executor: RayExecutor; runner: RunnerEndpoint; runnerUrl: RunnerUrl } {
  const { config, mirror } = w;
  const runner: RunnerEndpoint = { tokens: new RunnerTokens(w.store.db, w.clock), runs: new RemoteRuns() };
  const runnerUrl = new RunnerUrl(config.runnerUrl);
  const driver = new RayDriver({ python: config.python, trainerDir: w.trainerDir, address: config.rayAddress, startTimeoutMs: config.rayConnectTimeoutSeconds * 1000 }, w.log);
  const executor = new RayExecutor({
    driver,
    ...runner,
    mirror,
    events: w.events,
    clock: w.clock,
    log: w.log,
    specOf: (job, model) => trainerSpec(job, model, join(w.runsDir, job.id), w.files, { dataDir: config.dataDir, objectStore: mirror.location }),
    runnerUrl: () => runnerUrl.url,
    secretsEnv: (job) => trainerSecretsEnv(job, w.secrets),
    deviceKind: async () => (await w.profiles.memory()).kind,
  }, { dataDir: config.dataDir, leaseOwner: w.leaseOwner });
  return { executor, runner, runnerUrl };
}
