import { resolve } from 'node:path';
import { z } from 'zod';
import { WEBHOOK_SECRET_PATTERN } from '../webhooks/signing.ts';
import { repoRoot } from './paths.ts';

// Every setting in one schema, read once, frozen. Environment variables use the
// SELFTUNE_ prefix; CLI flags (serve --port, --data-dir) override them.
const configSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Serve on a non-loopback address although no API key exists (anyone who reaches it is an admin). */
  allowNoAuth: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** The address clients reach this server at (`https://tune.example.com`): signed file URLs point here, never at a request's Host header. */
  publicUrl: z.string().url().refine((u) => /^https?:\/\//.test(u), 'expected http(s)://host[:port][/path]').nullable().default(null),
  dataDir: z.string().default('data'),
  /** postgres://… to keep records in Postgres instead of SQLite in the data directory. */
  databaseUrl: z.string().url().nullable().default(null),
  /** `s3://bucket/prefix` to keep files, checkpoints and weights in an S3-compatible store (AWS_ENDPOINT_URL, AWS_REGION and the AWS keys from the environment); unset: the data directory's disk. */
  blobUrl: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'expected s3://bucket or s3://bucket/prefix').nullable().default(null),
  /** `host:port` of a Ray cluster's GCS to run training jobs on it (needs SELFTUNE_BLOB_URL); unset: trainers run on this machine. */
  rayAddress: z.string().min(1).nullable().default(null),
  /** The URL remote trainers reach this server at (the runner protocol); default: http://<host>:<port> of this server. */
  runnerUrl: z.string().url().nullable().default(null),
  /** How long joining the Ray cluster may take before jobs wait in the queue and /health reports the cluster unreachable. */
  rayConnectTimeoutSeconds: z.coerce.number().min(1).default(60),
  /** Jobs that may train at the same time. */
  maxConcurrentJobs: z.coerce.number().int().min(1).max(64).default(1),
  /** Largest accepted upload, in bytes (OpenAI's limit is 512 MB). */
  maxUploadBytes: z.coerce.number().int().min(1).default(512 * 1024 * 1024),
  /** Largest part of an upload in parts (Uploads API; OpenAI's limit is 64 MB): accepted even when SELFTUNE_MAX_UPLOAD_BYTES is smaller. */
  uploadPartBytes: z.coerce.number().int().min(1).default(64 * 1024 * 1024),
  /** How long an upload in parts may take from create to complete before it expires and its parts are deleted (OpenAI: an hour). */
  uploadExpirySeconds: z.coerce.number().positive().default(3600),
  /** A request's headers must have arrived within this many seconds of its connection's first byte. */
  headersTimeoutSeconds: z.coerce.number().positive().default(30),
  /** An upload (a request body) that sends no byte for this long is cut. */
  bodyIdleTimeoutSeconds: z.coerce.number().positive().default(60),
  /** An upload's whole body must have arrived within this long. */
  uploadTimeoutSeconds: z.coerce.number().positive().default(3600),
  /** How long a claimed job stays ours without a heartbeat before another scheduler may recover it. */
  leaseSeconds: z.coerce.number().min(1).default(30),
  /** How often the running executor renews its lease and checks for cancel/pause. */
  heartbeatSeconds: z.coerce.number().min(0.1).default(2),
  /** Keep one trainer process with torch already imported, so a claimed job starts at once (~2.5 s saved, ~250 MB held while work is queued). */
  trainerStandby: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Processes one training job runs as (torchrun, one per GPU); 0 = one per visible CUDA GPU, 1 without a GPU. */
  trainProcesses: z.coerce.number().int().min(0).max(64).default(0),
  /** How many times a job whose worker was lost is resumed before it fails. */
  maxRecoveries: z.coerce.number().int().min(0).default(3),
  /** Python interpreter that has the trainer's packages. */
  python: z.string().default(resolve(repoRoot, '.venv/bin/python')),
  /** Where a pre-built selftune-tiny lives (copied into the data dir instead of rebuilding it). */
  demoModelCache: z.string().default(resolve(repoRoot, '.cache/models/selftune-tiny')),
  /** The default organization's first admin key (Admin API, organizations); with it, or any other key, every request needs a key. */
  adminKey: z.string().min(20, 'an admin key needs at least 20 characters').nullable().default(null),
  /** Member keys of the default project; while no key exists at all, any bearer token (or none) is accepted (loopback only). */
  /** 64 hex digits (AES-256) that encrypt secrets at rest (W&B keys, git tokens); unset: a key file made in the data directory (SQLite) — replicas on Postgres must share one. */
  secretKey: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits (openssl rand -hex 32)').nullable().default(null),
  apiKeys: z.string().default('').transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean)),
  /** Serve fine-tune-results files base64-encoded, as OpenAI's API does. */
  resultFilesBase64: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Smallest training set accepted (OpenAI's documented minimum is 10). */
  minTrainingExamples: z.coerce.number().int().min(1).default(10),
  /** Tokens longer examples are cut to (from the end). */
  maxSeqLen: z.coerce.number().int().min(16).default(2048),
  /** Plan jobs for this much device memory (bytes) instead of the measured figure. */
  deviceMemoryBytes: z.coerce.number().int().min(1).nullable().default(null),
  /** A device profile measured elsewhere (`device-profile.json`): a data directory without one starts from it instead of probing. */
  deviceProfile: z.string().default('').transform((p) => (p ? resolve(p) : null)),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Price of one million trained tokens, for the job `metadata.cost` estimate (self-hosted: 0 unless you charge). */
  pricePerMillionTokens: z.coerce.number().min(0).default(0),
  costCurrency: z.string().min(1).default('USD'),
  /** Where Mistral jobs' `repositories` (type github) are cloned from: <base>/<owner>/<name>. */
  gitBaseUrl: z.string().url().default('https://github.com'),
  /** CPU threads of the inference worker; 0 = half the cores (training takes all but one). */
  inferenceThreads: z.coerce.number().int().min(0).default(0),
  /** Models the inference worker keeps loaded (bases, full fine-tunes and LoRA adapters each count one). */
  inferenceCacheSize: z.coerce.number().int().min(1).default(8),
  /** Generations the inference worker interleaves token by token. */
  inferenceMaxActive: z.coerce.number().int().min(1).default(4),
  /** Times a request caught in an inference worker crash is sent again to the restarted worker (0: it gets a 503 at once). */
  inferenceCrashReplays: z.coerce.number().int().min(0).max(5).default(1),
  /** Requests held while the inference worker (re)starts, and how long each may wait before a 503. */
  inferenceMaxWaiting: z.coerce.number().int().min(0).default(64),
  inferenceStartTimeoutSeconds: z.coerce.number().positive().default(120),
  /** `base=url,…`: serve these bases and their LoRA adapters through an external OpenAI-compatible server. */
  /** Limits (0 = unlimited); a project's own values (Admin API) replace them. Requests and inference tokens are counted per API key. */
  keyRequestsPerMinute: z.coerce.number().int().min(0).default(0),
  keyTokensPerMinute: z.coerce.number().int().min(0).default(0),
  /** Unfinished fine-tuning jobs a project may have, and bytes of files it may store. */
  projectActiveJobs: z.coerce.number().int().min(0).default(0),
  projectStorageBytes: z.coerce.number().int().min(0).default(0),
  /** An endpoint that receives every project's webhook events (with SELFTUNE_WEBHOOK_SECRET). */
  webhookUrl: z.string().url().refine((u) => /^https?:\/\//.test(u), 'expected http(s)://host[:port]/path').nullable().default(null),
  /** The deployment endpoint's signing secret, as the openai SDK takes it: `whsec_` and base64 (of at least 16 bytes). */
  webhookSecret: z.string().regex(WEBHOOK_SECRET_PATTERN, 'expected whsec_ followed by base64 of at least 16 bytes (e.g. whsec_$(openssl rand -base64 32))').nullable().default(null),
  /** The first wait before a failed webhook delivery is tried again; it doubles up to an hour (README: Webhooks). */
  webhookRetryBaseSeconds: z.coerce.number().positive().default(5),
  /** A webhook request without an answer after this long has failed. */
  webhookTimeoutSeconds: z.coerce.number().positive().default(10),
  externalInference: z.string().default('').transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [base, url] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (!base || !/^https?:\/\//.test(url)) ctx.addIssue({ code: 'custom', message: `expected base=http://host:port, got '${pair}'` });
      else out[base] = url;
    }
    return out;
  }),
});

export type Config = Readonly<z.infer<typeof configSchema>>;
export type ConfigInput = Partial<Record<keyof z.input<typeof configSchema>, string | number | undefined>>;

const ENV_NAMES: Record<keyof z.input<typeof configSchema>, string> = {
  host: 'SELFTUNE_HOST',
  port: 'PORT',
  allowNoAuth: 'SELFTUNE_ALLOW_NO_AUTH',
  publicUrl: 'SELFTUNE_PUBLIC_URL',
  dataDir: 'SELFTUNE_DATA_DIR',
  databaseUrl: 'SELFTUNE_DATABASE_URL',
  blobUrl: 'SELFTUNE_BLOB_URL',
  rayAddress: 'SELFTUNE_RAY_ADDRESS',
  runnerUrl: 'SELFTUNE_RUNNER_URL',
  rayConnectTimeoutSeconds: 'SELFTUNE_RAY_CONNECT_TIMEOUT_SECONDS',
  maxConcurrentJobs: 'SELFTUNE_MAX_CONCURRENT_JOBS',
  maxUploadBytes: 'SELFTUNE_MAX_UPLOAD_BYTES',
  uploadPartBytes: 'SELFTUNE_UPLOAD_PART_BYTES',
  uploadExpirySeconds: 'SELFTUNE_UPLOAD_EXPIRY_SECONDS',
  headersTimeoutSeconds: 'SELFTUNE_HEADERS_TIMEOUT_SECONDS',
  bodyIdleTimeoutSeconds: 'SELFTUNE_BODY_IDLE_TIMEOUT_SECONDS',
  uploadTimeoutSeconds: 'SELFTUNE_UPLOAD_TIMEOUT_SECONDS',
  leaseSeconds: 'SELFTUNE_LEASE_SECONDS',
  heartbeatSeconds: 'SELFTUNE_HEARTBEAT_SECONDS',
  maxRecoveries: 'SELFTUNE_MAX_RECOVERIES',
  trainerStandby: 'SELFTUNE_TRAINER_STANDBY',
  trainProcesses: 'SELFTUNE_TRAIN_PROCESSES',
  python: 'SELFTUNE_PYTHON',
  demoModelCache: 'SELFTUNE_DEMO_MODEL_CACHE',
  apiKeys: 'SELFTUNE_API_KEYS',
  adminKey: 'SELFTUNE_ADMIN_KEY',
  secretKey: 'SELFTUNE_SECRET_KEY',
  resultFilesBase64: 'SELFTUNE_RESULT_FILES_BASE64',
  minTrainingExamples: 'SELFTUNE_MIN_TRAINING_EXAMPLES',
  maxSeqLen: 'SELFTUNE_MAX_SEQ_LEN',
  deviceMemoryBytes: 'SELFTUNE_DEVICE_MEMORY_BYTES',
  deviceProfile: 'SELFTUNE_DEVICE_PROFILE',
  logLevel: 'SELFTUNE_LOG_LEVEL',
  pricePerMillionTokens: 'SELFTUNE_PRICE_PER_MILLION_TOKENS',
  costCurrency: 'SELFTUNE_COST_CURRENCY',
  gitBaseUrl: 'SELFTUNE_GIT_BASE_URL',
  inferenceThreads: 'SELFTUNE_INFERENCE_THREADS',
  inferenceCacheSize: 'SELFTUNE_INFERENCE_CACHE_SIZE',
  inferenceMaxActive: 'SELFTUNE_INFERENCE_MAX_ACTIVE',
  inferenceCrashReplays: 'SELFTUNE_INFERENCE_CRASH_REPLAYS',
  inferenceMaxWaiting: 'SELFTUNE_INFERENCE_MAX_WAITING',
  inferenceStartTimeoutSeconds: 'SELFTUNE_INFERENCE_START_TIMEOUT_SECONDS',
  externalInference: 'SELFTUNE_EXTERNAL_INFERENCE',
  keyRequestsPerMinute: 'SELFTUNE_KEY_REQUESTS_PER_MINUTE',
  keyTokensPerMinute: 'SELFTUNE_KEY_TOKENS_PER_MINUTE',
  projectActiveJobs: 'SELFTUNE_PROJECT_ACTIVE_JOBS',
  projectStorageBytes: 'SELFTUNE_PROJECT_STORAGE_BYTES',
  webhookUrl: 'SELFTUNE_WEBHOOK_URL',
  webhookSecret: 'SELFTUNE_WEBHOOK_SECRET',
  webhookRetryBaseSeconds: 'SELFTUNE_WEBHOOK_RETRY_BASE_SECONDS',
  webhookTimeoutSeconds: 'SELFTUNE_WEBHOOK_TIMEOUT_SECONDS',
};

export const CONFIG_ENV_NAMES: Readonly<typeof ENV_NAMES> = ENV_NAMES;

/** Environment first, then explicit overrides; lists every invalid setting at once. */
export function loadConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    if (env[name] !== undefined && env[name] !== '') raw[key] = env[name];
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) raw[key] = value;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0]) as keyof typeof ENV_NAMES;
      return `  ${ENV_NAMES[key] ?? key}: ${i.message}`;
    });
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  }
  // Trainers on a cluster's nodes reach the inputs and leave their checkpoints nowhere but in object storage.
  if (parsed.data.rayAddress && !parsed.data.blobUrl) {
    throw new Error(`Invalid configuration:\n  ${ENV_NAMES.rayAddress}: needs ${ENV_NAMES.blobUrl} (s3://bucket/prefix): trainers on Ray nodes read their inputs from and write their checkpoints to object storage`);
  }
  // The deployment's webhook endpoint needs both: a URL to send to and a secret to sign with.
  if ((parsed.data.webhookUrl === null) !== (parsed.data.webhookSecret === null)) {
    const [has, lacks] = parsed.data.webhookUrl ? [ENV_NAMES.webhookUrl, ENV_NAMES.webhookSecret] : [ENV_NAMES.webhookSecret, ENV_NAMES.webhookUrl];
    throw new Error(`Invalid configuration:\n  ${has}: needs ${lacks} too (the deployment's webhook endpoint is a URL and its whsec_ signing secret)`);
  }
  return Object.freeze({ ...parsed.data, dataDir: resolve(parsed.data.dataDir) });
}
