import type { DataMirror } from '../blobs/blob-store.ts';
import type { CheckpointsRepository } from '../checkpoints/checkpoints.repository.ts';
import type { Config } from '../config/config.ts';
import type { EventsRepository } from '../events/events.repository.ts';
import type { FileSearch } from '../files/file-search.ts';
import type { FilesService } from '../files/files.service.ts';
import type { SignedUrls } from '../files/signed-urls.ts';
import type { InputResolver } from '../jobs/input-resolution.ts';
import type { JobSearch } from '../jobs/job-search.ts';
import type { JobVersions } from '../jobs/job-versions.ts';
import type { InferenceService } from '../inference/inference-service.ts';
import type { Clock } from '../ids/clock.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { Limits } from '../limits/limits.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import type { ModelExporter } from '../models/model-export.ts';
import type { ModelPulls } from '../models/model-pulls.ts';
import type { RunnerEndpoint } from '../runner/runner-routes.ts';
import type { Principal } from '../tenancy/principal.ts';
import type { TenancyRepository } from '../tenancy/tenancy.repository.ts';
import type { UploadsService } from '../uploads/uploads.service.ts';
import type { WebhookEndpoints } from '../webhooks/endpoints.service.ts';
import type { Authenticator } from './auth.ts';

/** What the HTTP layer may use; routes reach the domain only through this. */
export interface AppContext {
  config: Config;
  clock: Clock;
  files: FilesService;
  /** OpenAI's Uploads API: files sent in parts. */
  uploads: UploadsService;
  jobs: JobsService;
  events: EventsRepository;
  checkpoints: CheckpointsRepository;
  catalog: ModelCatalog;
  /** Hugging Face downloads into the models folder, and fine-tuned models written out as standalone folders. */
  modelPulls: ModelPulls;
  exporter: ModelExporter;
  /** Chat generation and classification with any callable model. */
  inference: InferenceService;
  /** Mistral's job and file list filters, a dry run's input resolution and signed download links. */
  jobSearch: JobSearch;
  fileSearch: FileSearch;
  /** What a job's answers are built from, for ETags (cheap polling). */
  versions: JobVersions;
  inputs: InputResolver;
  signedUrls: SignedUrls;
  /** The data directory's copy in object storage (run artifacts, models, files); no-ops without one. */
  mirror: DataMirror;
  /** The runner protocol's tokens and runs, when jobs run on a cluster (SELFTUNE_RAY_ADDRESS). */
  runner: RunnerEndpoint | null;
  /** Organizations, projects, service accounts and keys; and who a request's key is. */
  tenancy: TenancyRepository;
  auth: Authenticator;
  /** Rate limits per API key and quotas per project. */
  limits: Limits;
  /** The projects' webhook endpoints and their delivery logs. */
  webhooks: WebhookEndpoints;
  /** Staging path for an upload in flight. */
  stagingPath(name: string): string;
}

/** Who is calling: every record belongs to a project of an organization (server/auth.ts). */
export type Caller = Principal;

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}
