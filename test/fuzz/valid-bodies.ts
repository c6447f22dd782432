import type { Route } from './routes.ts';

// A valid body for each route that takes one, for the mutations to start
// from: an invalid field is then found next to valid ones, past the first
// check. `{{name}}` stands for the fuzz target's ids. Routes not listed start
// from `{}`. Budgets stay tiny (max_tokens 2, one training step, auto_start
// false) so a mutation that is still valid does little work.

const WANDB_KEY = 'a'.repeat(40);

const VALID_BODIES: Array<[RegExp, unknown]> = [
  [/^POST \/v1\/fine_tuning\/jobs$/, {
    model: '{{baseModel}}', training_file: '{{file}}', validation_file: '{{file}}', suffix: 'fuzz', seed: 7, metadata: { team: 'fuzz' },
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1, batch_size: 4, learning_rate_multiplier: 0.5 } } },
    integrations: [{ type: 'wandb', wandb: { project: 'fuzz', tags: ['a'] } }],
  }],
  [/^POST \/v1\/chat\/completions$/, {
    model: '{{model}}', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], max_tokens: 2, temperature: 0.5, n: 1, stream: false,
  }],
  [/^POST \/v1\/uploads$/, { bytes: 1000, filename: 'fuzz.jsonl', mime_type: 'text/jsonl', purpose: 'fine-tune', expires_after: { anchor: 'created_at', seconds: 3600 } }],
  [/^POST \/v1\/uploads\/:id\/complete$/, { part_ids: ['part_000000000000000000000000'], md5: 'd41d8cd98f00b204e9800998ecf8427e' }],
  [/^POST \/v1\/model_pulls$/, { model: 'fuzz-org/fuzz-model', revision: 'main', include_patterns: ['*.json'] }],
  [/^POST \/mistral\/v1\/fine_tuning\/jobs$/, {
    model: '{{baseModel}}', training_files: [{ file_id: '{{mistralFile}}', weight: 1 }], validation_files: ['{{mistralFile}}'],
    hyperparameters: { training_steps: 1, learning_rate: 0.0001, weight_decay: 0.1, warmup_fraction: 0.05 },
    auto_start: false, suffix: 'fuzz', job_type: 'completion', invalid_sample_skip_percentage: 0,
    integrations: [{ type: 'wandb', project: 'fuzz', api_key: WANDB_KEY }],
    repositories: [{ type: 'github', owner: 'owner', name: 'repo', ref: 'main', weight: 1, token: 'secret' }],
  }],
  [/^PATCH \/mistral\/v1\/fine_tuning\/models\//, { name: 'fuzzed', description: 'a fuzzed model' }],
  [/^POST \/mistral\/v1\/classifications$/, { model: '{{model}}', input: ['hello', 'world'] }],
  [/^POST \/mistral\/v1\/chat\/classifications$/, { model: '{{model}}', input: [{ messages: [{ role: 'user', content: 'hi' }] }] }],
  [/^POST \/mistral\/v1\/chat\/completions$/, { model: '{{model}}', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, temperature: 0.3 }],
  // The Admin API (OpenAI's shapes).
  [/^POST \/v1\/organization\/projects$/, { name: 'fuzz project' }],
  [/^POST \/v1\/organization\/projects\/[^/]+$/, { name: 'renamed project' }],
  [/service_accounts$/, { name: 'fuzz service account' }],
  [/rate_limits\/[^/]+$/, { max_requests_per_1_minute: 100, max_tokens_per_1_minute: 1000 }],
  // Webhook endpoints (the openai SDK's shapes); port 9 refuses, so a test event fails fast.
  [/^POST \/v1\/webhook_endpoints$/, { name: 'fuzz hooks', url: 'http://127.0.0.1:9/hooks', event_types: ['fine_tuning.job.succeeded', 'fine_tuning.job.failed'] }],
  [/^POST \/v1\/webhook_endpoints\/[^/]+$/, { name: 'fuzzed hooks', url: 'http://127.0.0.1:9/other', event_types: ['fine_tuning.job.cancelled'] }],
  [/^POST \/v1\/webhook_endpoints\/[^/]+\/rotate_secret$/, { keep_old_secret_active_for_24_hours: true }],
  [/^POST \/v1\/webhook_endpoints\/[^/]+\/test$/, { event_type: 'fine_tuning.job.succeeded' }],
];

export function validBodyFor(route: Route): unknown {
  const key = `${route.method} ${route.path}`;
  return structuredClone(VALID_BODIES.find(([pattern]) => pattern.test(key))?.[1] ?? {});
}

/** Routes that read a request body. */
export const takesBody = (route: Route) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);

/** Upload routes take multipart bodies (files, and an upload's parts). */
export const isUpload = (route: Route) => route.method === 'POST' && /\/files$|\/uploads\/:id\/parts$/.test(route.path);
