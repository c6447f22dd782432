import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

// The rows selftune stores. Times are integer milliseconds since the epoch
// (each API renders its own unit); JSON columns hold text in SQLite and are
// parsed by the repositories, so both backends see the same shapes.

type Json = string;

export interface FilesTable {
  id: string; // uuid; OpenAI shows `file-<base62>`
  org_id: string;
  project_id: ColumnType<string, string | undefined, string>; // the unit of isolation (tenancy/)
  filename: string;
  purpose: string; // fine-tune | fine-tune-results | batch | …
  bytes: number;
  created_at: number;
  expires_at: number | null;
  status: string; // processed | error
  status_details: string | null; // why a file is in error
  blob_key: string; // path below <data>/files
  num_lines: number | null;
  sample_type: string; // instruct | pretrain | classifier | results (Mistral's file object)
  source: string; // upload | job | repository
  mimetype: string | null;
  sha256: string;
  visibility: string | null;
  job_id: string | null; // the job that produced a result file
}

export interface JobsTable {
  id: string; // uuid; OpenAI shows `ftjob-<base62>`
  org_id: string;
  project_id: ColumnType<string, string | undefined, string>;
  created_via: string; // openai | mistral: provenance only (the request mapper decides every difference, in options)
  created_by: string | null; // api key fingerprint, for Mistral's created_by_me
  job_type: string; // completion | classifier
  status: string; // see jobs/job-status.ts
  model: string; // base model as requested
  training_files: Json; // [{file_id, weight}]
  validation_files: Json; // [file_id]
  method_type: string; // supervised | dpo | reinforcement
  hyperparameters: Json; // as requested; "auto" allowed
  resolved_hyperparameters: Json | null; // the numbers training uses, set once it starts
  suffix: string | null;
  seed: number;
  metadata: Json | null; // user metadata (OpenAI)
  integrations: Json; // [{type:'wandb', wandb:{…}}]
  auto_start: number; // 0/1: Mistral jobs may wait in `validated` for /start
  options: Json; // dialect extras: invalid_sample_skip_percentage, repositories, classifier_targets
  fine_tuned_model: string | null;
  result_files: Json; // [file uuid]
  trained_tokens: number | null;
  error: Json | null; // {code, message, param}
  stats: Json; // measured facts: examples, tokens, throughput, phase timings
  total_steps: number | null;
  current_step: number;
  estimated_finish: number | null;
  control: string | null; // pause | cancel, asked of the running worker
  locked_by: string | null; // scheduler instance that holds the lease
  lease_expires_at: number | null;
  recoveries: number; // times a lost worker's job was resumed
  created_at: number;
  modified_at: number;
  queued_at: number | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobEventsTable {
  seq: Generated<number>; // insertion order; lists page on it
  id: string; // uuid; OpenAI shows `ftevent-<base62>`
  job_id: string;
  created_at: number;
  level: string; // info | warn | error
  type: string; // message | metrics
  message: string;
  data: Json | null;
  status: string | null; // set when the event records a status change
}

export interface CheckpointsTable {
  id: string; // uuid; OpenAI shows `ftckpt_<base62>`
  job_id: string;
  step: number;
  created_at: number;
  path: string; // below <data>
  metrics: Json;
  model_id: string; // the model name it is served as
}

export interface ModelsTable {
  id: string; // the model name, `ft:…`
  org_id: string;
  project_id: ColumnType<string, string | undefined, string>;
  job_id: string;
  checkpoint_id: string | null; // set for `…:ckpt-step-N` models
  base_model: string;
  model_type: string; // completion | classifier
  training_mode: string; // full | lora
  path: string; // below <data>
  created_at: number;
  name: string | null;
  description: string | null;
  archived: ColumnType<number, number | undefined, number>;
  shared_with_org: ColumnType<number, number | undefined, number>; // 0/1: the other projects of the organization may read and use it
}

/** Secrets shared by every server on one database (`url-signing`: the HMAC key of signed file URLs, hex). */
export interface ServerSecretsTable {
  name: string;
  value: string;
}

export interface RunnerTokensTable {
  token_hash: string; // SHA-256 (hex) of the token; the token itself is never stored
  job_id: string;
  lease_owner: string; // the scheduler whose run the token belongs to
  created_at: number;
}

export interface OrganizationsTable {
  id: string; // `org-…`
  name: string;
  default_project_id: string; // where an admin key's requests go without an OpenAI-Project header
  created_at: number;
}

export interface ProjectsTable {
  id: string; // `proj_…`
  org_id: string;
  name: string;
  created_at: number;
  archived_at: number | null; // an archived project's keys stop working
  max_requests_per_minute: number | null; // per key; null: the deployment default
  max_tokens_per_minute: number | null; // inference tokens per key
  max_concurrent_jobs: number | null;
  max_storage_bytes: number | null;
}

export interface ServiceAccountsTable {
  id: string; // `svc_acct_…`
  org_id: string;
  project_id: string;
  name: string;
  role: string; // tenancy/roles.ts
  created_at: number;
}

export interface ApiKeysTable {
  id: string; // `key_…`
  key_hash: string; // SHA-256 (hex) of the key; the key itself is shown once and never stored
  org_id: string;
  project_id: string | null; // null: an organization admin key
  service_account_id: string | null;
  name: string;
  role: string; // tenancy/roles.ts
  redacted_value: string; // `sk-proj-…abcd`, to tell keys apart in lists
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

/** One GCRA limiter per (API key, kind): its state is one time (tenancy keys, limits/). */
export interface RateLimitsTable {
  key_id: string;
  kind: string; // 'requests' | 'tokens'
  tat: number; // theoretical arrival time, in microseconds since the epoch: the limiter is full while tat - now exceeds the window
  allowed: number; // 1 when the last request was let through (read back with RETURNING)
}

/** An upload in parts (OpenAI's Uploads API): parts are kept as blobs until the upload is completed, cancelled or expired (uploads/). */
export interface UploadsTable {
  id: string; // uuid; OpenAI shows `upload_<base62>`
  org_id: string;
  project_id: string;
  filename: string;
  purpose: string;
  mime_type: string;
  bytes: number; // declared at create: the parts must add up to exactly this
  file_expires_after_seconds: number | null; // the resulting file's expiry (`expires_after`)
  status: string; // pending | completing | completed | cancelled | expired (uploads/upload-record.ts)
  completing_since: number | null; // when a complete claimed the upload (a crashed complete is released after an hour)
  file_id: string | null; // the file a complete made
  created_at: number;
  expires_at: number;
}

export interface UploadPartsTable {
  id: string; // uuid; OpenAI shows `part_<base62>`
  upload_id: string;
  bytes: number;
  blob_key: string; // `upload-parts/<id>` in the blob store
  created_at: number;
}

/** A project's webhook endpoint (OpenAI's WebhookEndpoint). */
export interface WebhookEndpointsTable {
  id: string; // `whe_…`
  org_id: string;
  project_id: string;
  name: string;
  url: string;
  event_types: Json; // [type]
  secret: string; // `whsec_…`, sealed (secrets/secret-box.ts): signing needs the secret itself
  previous_secret: string | null; // sealed; also signs until previous_secret_expires_at (a rotation that keeps the old one for 24 h)
  previous_secret_expires_at: number | null;
  secret_hint: string; // `whsec_…abcd`, shown in place of the secret
  created_at: number;
  updated_at: number;
}

/** An event in the outbox: its body is fixed once, so every attempt sends the same bytes. */
export interface WebhookEventsTable {
  id: string; // `evt_…`, also the `webhook-id` header
  org_id: string;
  project_id: string;
  type: string; // fine_tuning.job.succeeded | …failed | …cancelled
  subject_id: string; // the job's uuid
  body: Json;
  created_at: number; // the terminal status change's time
}

/** One event owed to one endpoint (`deployment`: SELFTUNE_WEBHOOK_URL). */
export interface WebhookDeliveriesTable {
  id: string; // `whd_…`
  event_id: string;
  endpoint_id: string;
  status: string; // pending | succeeded | failed (gave up)
  attempts: number;
  next_attempt_at: number;
  locked_by: string | null; // the delivery loop sending it now
  lease_expires_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** Every request sent to an endpoint: the delivery log. */
export interface WebhookAttemptsTable {
  seq: Generated<number>;
  id: string; // `wha_…`
  endpoint_id: string;
  delivery_id: string | null; // null for a test event
  event_id: string;
  event_type: string;
  attempt: number; // 1 for the first try
  started_at: number;
  finished_at: number;
  status_code: number | null; // null: no answer (network error, timeout)
  error: string | null;
}

export interface Database {
  files: FilesTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  checkpoints: CheckpointsTable;
  models: ModelsTable;
  server_secrets: ServerSecretsTable;
  runner_tokens: RunnerTokensTable;
  organizations: OrganizationsTable;
  projects: ProjectsTable;
  service_accounts: ServiceAccountsTable;
  api_keys: ApiKeysTable;
  rate_limits: RateLimitsTable;
  uploads: UploadsTable;
  upload_parts: UploadPartsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type FileRow = Selectable<FilesTable>;
export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
export type JobEventRow = Selectable<JobEventsTable>;
export type CheckpointRow = Selectable<CheckpointsTable>;
export type ModelRow = Selectable<ModelsTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type ServiceAccountRow = Selectable<ServiceAccountsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type UploadRow = Selectable<UploadsTable>;
export type UploadPartRow = Selectable<UploadPartsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
