import { hostname } from 'node:os';
import type { Storage } from '../blobs/storage.ts';
import { CheckpointsRepository } from '../checkpoints/checkpoints.repository.ts';
import type { Config } from '../config/config.ts';
import { type DataPaths, trainerDir } from '../config/paths.ts';
import type { Store } from '../db/backend.ts';
import { EventsRepository } from '../events/events.repository.ts';
import { LocalExecutor } from '../executors/local/local-executor.ts';
import type { Executor } from '../executors/executor.ts';
import { buildRayExecutor } from '../executors/ray/build-ray-executor.ts';
import { DeferredLogger } from '../logging/logger.ts';
import { FilesRepository } from '../files/files.repository.ts';
import { FilesService } from '../files/files.service.ts';
import { buildInference } from '../inference/build-inference.ts';
import { type Clock, systemClock } from '../ids/clock.ts';
import { randomBase62 } from '../ids/ids.ts';
import { JobSignals } from '../jobs/job-signals.ts';
import { ACTIVE_WORKER_STATUSES } from '../jobs/job-status.ts';
import { JobValidator } from '../jobs/job-validator.ts';
import { JobEstimator } from '../jobs/job-estimate.ts';
import { JobSearch } from '../jobs/job-search.ts';
import { InputResolver } from '../jobs/input-resolution.ts';
import { DeviceProfiles } from '../planning/device-profile.ts';
import { JobPlanner } from '../planning/job-planner.ts';
import { FileSearch } from '../files/file-search.ts';
import { SignedUrls } from '../files/signed-urls.ts';
import { RepositoryImporter } from '../repositories/git-import.ts';
import { JobsRepository } from '../jobs/jobs.repository.ts';
import { JobVersions } from '../jobs/job-versions.ts';
import { JobsService } from '../jobs/jobs.service.ts';
import { buildLimits } from '../limits/limits.ts';
import { BaseModels } from '../models/base-models.ts';
import { ModelCatalog } from '../models/model-catalog.ts';
import { ModelCopies } from '../models/model-copies.ts';
import { ModelsRepository } from '../models/models.repository.ts';
import { ModelExporter } from '../models/model-export.ts';
import { ModelPulls } from '../models/model-pulls.ts';
import { ModelResolver } from '../inference/model-resolver.ts';
import { Scheduler } from '../queue/scheduler.ts';
import { toOpenAiId } from '../ids/ids.ts';
import { TokenCounter } from '../tokens/token-counter.ts';
import { TenancyRepository } from '../tenancy/tenancy.repository.ts';
import { UploadSweeper } from '../uploads/upload-sweeper.ts';
import { UploadsRepository } from '../uploads/uploads.repository.ts';
import { UploadsService } from '../uploads/uploads.service.ts';
import { Authenticator } from './auth.ts';
import { PublicUrl } from './http/public-url.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { buildWebhooks } from '../webhooks/webhooks.ts';
import type { AppContext } from './context.ts';

/** Statuses in which a job still needs its files. */
const NEEDS_FILES = ['validating', 'validated', 'queued', 'paused', ...ACTIVE_WORKER_STATUSES];

/** Builds every service from the config, store, paths and blob storage; the one place that knows how pieces connect. */
export function buildContainer(config: Config, store: Store, paths: DataPaths, storage: Storage, secrets: SecretBox, clock: Clock = systemClock) {
  const owner = `${hostname()}:${process.pid}:${randomBase62(6)}`;
  // The pipeline is built before the HTTP server; its logger becomes the target once it exists.
  const log = new DeferredLogger();
  const signals = new JobSignals();
  const { blobs, mirror } = storage;
  const jobsRepo = new JobsRepository(store.db, secrets);
  const filesRepo = new FilesRepository(store.db);
  const events = new EventsRepository(store.db);
  const checkpoints = new CheckpointsRepository(store.db);
  const catalog = new ModelCatalog(new BaseModels(paths.models), new ModelsRepository(store.db), config.dataDir, new ModelCopies(mirror, config.dataDir));
  const files = new FilesService(filesRepo, blobs, mirror, config.dataDir, clock, async (tenant, fileId) => {
    const users = await jobsRepo.activeJobsUsingFile(tenant, fileId, NEEDS_FILES);
    return users.length ? `File is in use by fine-tuning job ${toOpenAiId('job', users[0]!.id)} (status ${users[0]!.status}); delete it once the job has finished.` : null;
  });
  const repositories = new RepositoryImporter(config.gitBaseUrl, secrets);
  const jobs = new JobsService(jobsRepo, events, filesRepo, catalog, signals, clock, repositories);
  const jobSearch = new JobSearch(store.db);
  const profiles = new DeviceProfiles({ python: config.python, trainerDir, dataDir: config.dataDir, memoryOverride: config.deviceMemoryBytes, seedPath: config.deviceProfile, nowMs: () => clock.nowMs() });
  const planner = new JobPlanner(profiles, { defaultSeqLen: config.maxSeqLen, concurrentJobs: config.maxConcurrentJobs });
  const tokens = new TokenCounter({ python: config.python, trainerDir, log });
  const estimator = new JobEstimator(planner, tokens, { pricePerMillionTokens: config.pricePerMillionTokens, costCurrency: config.costCurrency, defaultSeqLen: config.maxSeqLen });
  const inputs = new InputResolver(files, catalog, planner, estimator, repositories, mirror, config.dataDir, { minTrainingExamples: config.minTrainingExamples, shownIssues: 5 });
  const validator = new JobValidator(jobs, inputs, events, clock);
  const local = () => new LocalExecutor(files, {
    python: config.python,
    trainerDir,
    trainerStandby: config.trainerStandby,
    trainProcesses: config.trainProcesses,
    runsDir: paths.runs,
    dataDir: config.dataDir,
    objectStore: mirror.location,
    trainerEnv: storage.awsEnv,
    secrets,
  });
  const { rayAddress } = config;
  const ray = rayAddress
    ? buildRayExecutor({ config: { ...config, rayAddress }, store, mirror, files, events, profiles, clock, log, runsDir: paths.runs, trainerDir, leaseOwner: owner, secrets })
    : null;
  const executor: Executor = ray?.executor ?? local();
  const scheduler = new Scheduler(
    { store, validator, executor, service: jobs, planner, log, jobs: jobsRepo, events, checkpoints, catalog, files, signals, clock, dataDir: config.dataDir, resultFilesBase64: config.resultFilesBase64 },
    {
      owner,
      maxConcurrentJobs: config.maxConcurrentJobs,
      leaseMs: config.leaseSeconds * 1000,
      heartbeatMs: config.heartbeatSeconds * 1000,
      pollMs: 1000,
      maxRecoveries: config.maxRecoveries,
      maxSeqLen: config.maxSeqLen,
      soleScheduler: store.profile.soleScheduler,
    },
  );
  const resolver = new ModelResolver(catalog, jobs, config.dataDir);
  const inference = buildInference(config, catalog, resolver, trainerDir);
  // A training file is usually followed by a job: start warming a trainer now.
  // The device profile is measured then too, unless a previous start cached it.
  files.onUploaded = (row) => {
    if (row.purpose !== 'fine-tune') return;
    executor.prewarm();
    profiles.warm();
  };
  const modelPulls = new ModelPulls({ python: config.python, trainerDir, modelsDir: paths.models, now: () => clock.nowMs() });
  const exporter = new ModelExporter(catalog, resolver, jobs, { python: config.python, trainerDir, tmpDir: paths.uploads });
  const tenancy = new TenancyRepository(store.db);
  const auth = new Authenticator(tenancy, { adminKey: config.adminKey, apiKeys: config.apiKeys }, clock);
  const limits = buildLimits(store.db, config, clock);
  jobs.admitJob = (projectId, insert) => limits.quotas.admitJob(projectId, insert);
  files.admitFile = (row, insert) => limits.quotas.admitFile(row.project_id, row.bytes, insert);
  const uploadExpiryMs = config.uploadExpirySeconds * 1000;
  const uploads = new UploadsService(new UploadsRepository(store.db), blobs, files, clock, { expiryMs: uploadExpiryMs });
  uploads.checkRoom = (projectId, bytes) => limits.quotas.checkDeclaredUpload(projectId, bytes);
  const uploadSweeper = new UploadSweeper(uploads, log, uploadExpiryMs);
  const webhooks = buildWebhooks(config, store, secrets, clock, log, owner);
  jobs.terminalHook = webhooks.outbox;
  const ctx: AppContext = { config, clock, files, uploads, jobs, events, checkpoints, catalog, modelPulls, exporter, inference, jobSearch, inputs, mirror, runner: ray?.runner ?? null, tenancy, auth, limits,
    fileSearch: new FileSearch(store.db),
    versions: new JobVersions(store.db),
    signedUrls: new SignedUrls(store.db, config.dataDir, new PublicUrl(config.publicUrl, config.port)),
    stagingPath: (name) => blobs.stagingPath(name), webhooks: webhooks.endpoints };
  return { ctx, blobs, mirror, scheduler, uploadSweeper, executor, signals, log, tokens, runnerUrl: ray?.runnerUrl ?? null, webhookLoop: webhooks.loop };
}
