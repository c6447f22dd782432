import { newUuid, toOpenAiId } from '../../src/ids/ids.ts';

// The tenancy matrix: for every route of both dialects, the requests another
// project makes with one project's ids. Each route of the running server must
// have an entry here (matrix.test.ts fails on a route without one), so a route
// added later is covered or the test says so.

/** One project's records, by the ids each dialect uses. */
export interface Records {
  fileUuid: string;
  resultFileUuid: string;
  jobUuid: string;
  classifierJobUuid: string;
  model: string;
  checkpointModel: string;
  classifierModel: string;
  projectId: string;
  /** A pending upload (Uploads API) with one part. */
  uploadUuid: string;
  webhookEndpointId: string;
}

/** The caller's own things, which a probe may combine with another project's ids. */
export interface Own {
  fileUuid: string;
  /** The query of a signed link to the caller's own file (Mistral's /url). */
  signedQuery: string;
}

export interface Request {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * - `refused`: answered like the same request naming records that do not exist
 *   (same status and code), with one of `statuses`, in the dialect's envelope.
 * - `list`: 200, and none of the other project's ids anywhere in the answer.
 * - `upload`: the caller uploads content identical to the other project's file; it gets a file of its own.
 * - `adminList`: an organization's own list (the Admin API): 200 for an admin key, 403 for a project
 *   key, and never the other project's id or records.
 * - `deployment`: not a project's record (base model pulls are the deployment's); said why, nothing called.
 */
export type Probe =
  | { kind: 'refused'; request: (r: Records, own: Own) => Request; statuses: readonly number[] }
  | { kind: 'list'; request: (r: Records) => Request }
  | { kind: 'adminList'; request: Request }
  | { kind: 'upload'; dialect: 'openai' | 'mistral' }
  | { kind: 'deployment'; reason: string };

/** Ids of the same shapes that name nothing. */
export function missingRecords(): Records {
  const model = `ft:selftune-tiny:nobody:matrix:${'Z'.repeat(8)}`;
  return {
    fileUuid: newUuid(), resultFileUuid: newUuid(), jobUuid: newUuid(), classifierJobUuid: newUuid(),
    model, checkpointModel: `${model}:ckpt-step-24`, classifierModel: `ft:classifier:selftune-tiny:00000000:20250101:00000000`, projectId: 'proj_nobody', uploadUuid: newUuid(),
    webhookEndpointId: `whe_${'Z'.repeat(24)}`,
  };
}

const NOT_FOUND = [404] as const;
/** A job's create request names files and models in its body: OpenAI answers an unknown one 400 (invalid_file, model_not_available). */
const BAD_REFERENCE = [400] as const;
const ADMIN_ONLY = [403, 404] as const;

const enc = encodeURIComponent;
const oaFile = (uuid: string) => toOpenAiId('file', uuid);
const oaJob = (uuid: string) => toOpenAiId('job', uuid);
const oaUpload = (uuid: string) => toOpenAiId('upload', uuid);
const messages = [{ role: 'user', content: 'hello' }];

const refused = (request: (r: Records, own: Own) => Request, statuses: readonly number[] = NOT_FOUND): Probe => ({ kind: 'refused', request, statuses });
const get = (path: string): Request => ({ method: 'GET', path });
const post = (path: string, body: unknown = {}): Request => ({ method: 'POST', path, body });

/** Every job of the other project, for the routes that take a job id. */
const eachJob = (request: (uuid: string) => Request): Probe[] =>
  (['jobUuid', 'classifierJobUuid'] as const).map((k) => refused((r) => request(r[k])));

const eachModel = (request: (model: string) => Request): Probe[] =>
  (['model', 'checkpointModel', 'classifierModel'] as const).map((k) => refused((r) => request(r[k])));

const eachFile = (request: (uuid: string) => Request): Probe[] =>
  (['fileUuid', 'resultFileUuid'] as const).map((k) => refused((r) => request(r[k])));

export const MATRIX: Record<string, Probe[]> = {
  // OpenAI: files
  'GET /v1/files': [{ kind: 'list', request: () => get('/v1/files?limit=100') }, { kind: 'list', request: () => get('/v1/files?purpose=fine-tune-results') }],
  'POST /v1/files': [{ kind: 'upload', dialect: 'openai' }],
  'GET /v1/files/:id': eachFile((f) => get(`/v1/files/${oaFile(f)}`)),
  'DELETE /v1/files/:id': eachFile((f) => ({ method: 'DELETE', path: `/v1/files/${oaFile(f)}` })),
  'GET /v1/files/:id/content': eachFile((f) => get(`/v1/files/${oaFile(f)}/content`)),

  // OpenAI: uploads in parts
  'POST /v1/uploads': [{ kind: 'deployment', reason: 'creates an upload of the caller\'s own project, naming no other record (test/files/uploads.test.ts)' }],
  'POST /v1/uploads/:id/parts': [refused((r) => post(`/v1/uploads/${oaUpload(r.uploadUuid)}/parts`))],
  'POST /v1/uploads/:id/complete': [refused((r) => post(`/v1/uploads/${oaUpload(r.uploadUuid)}/complete`, { part_ids: ['part_000000000000000000000000'] }))],
  'POST /v1/uploads/:id/cancel': [refused((r) => post(`/v1/uploads/${oaUpload(r.uploadUuid)}/cancel`))],

  // OpenAI: jobs, their events and checkpoints
  'GET /v1/fine_tuning/jobs': [
    { kind: 'list', request: () => get('/v1/fine_tuning/jobs?limit=100') },
    { kind: 'list', request: (r) => get(`/v1/fine_tuning/jobs?after=${oaJob(r.jobUuid)}`) },
  ],
  'POST /v1/fine_tuning/jobs': [
    refused((r) => post('/v1/fine_tuning/jobs', { model: 'selftune-tiny', training_file: oaFile(r.fileUuid) }), BAD_REFERENCE),
    refused((r, own) => post('/v1/fine_tuning/jobs', { model: 'selftune-tiny', training_file: oaFile(own.fileUuid), validation_file: oaFile(r.fileUuid) }), BAD_REFERENCE),
    refused((r, own) => post('/v1/fine_tuning/jobs', { model: r.model, training_file: oaFile(own.fileUuid) }), BAD_REFERENCE),
  ],
  'GET /v1/fine_tuning/jobs/:id': eachJob((j) => get(`/v1/fine_tuning/jobs/${oaJob(j)}`)),
  'POST /v1/fine_tuning/jobs/:id/cancel': eachJob((j) => post(`/v1/fine_tuning/jobs/${oaJob(j)}/cancel`)),
  'POST /v1/fine_tuning/jobs/:id/pause': eachJob((j) => post(`/v1/fine_tuning/jobs/${oaJob(j)}/pause`)),
  'POST /v1/fine_tuning/jobs/:id/resume': eachJob((j) => post(`/v1/fine_tuning/jobs/${oaJob(j)}/resume`)),
  'GET /v1/fine_tuning/jobs/:id/events': eachJob((j) => get(`/v1/fine_tuning/jobs/${oaJob(j)}/events?limit=100`)),
  'GET /v1/fine_tuning/jobs/:id/checkpoints': eachJob((j) => get(`/v1/fine_tuning/jobs/${oaJob(j)}/checkpoints`)),

  // OpenAI: models (the POST is the sharing extension), exports, pulls
  'GET /v1/models': [{ kind: 'list', request: () => get('/v1/models') }, { kind: 'list', request: () => get('/v1/models?include_unusable=true') }],
  'GET /v1/models/*': eachModel((m) => get(`/v1/models/${enc(m)}`)),
  'DELETE /v1/models/*': eachModel((m) => ({ method: 'DELETE', path: `/v1/models/${enc(m)}` })),
  'POST /v1/models/*': eachModel((m) => post(`/v1/models/${enc(m)}/sharing`, { organization: true })),
  'GET /v1/model_exports/*': [...eachModel((m) => get(`/v1/model_exports/${enc(m)}`)), refused((r) => get(`/v1/model_exports/${enc(r.model)}?merged=true`))],
  'GET /v1/model_pulls': [{ kind: 'deployment', reason: 'base model downloads are the deployment\'s: base models are shared by every project' }],
  'GET /v1/model_pulls/:id': [{ kind: 'deployment', reason: 'a base model download, not a project\'s record' }],
  'POST /v1/model_pulls': [{ kind: 'deployment', reason: 'downloads a base model from the Hugging Face Hub, shared by every project: admin keys only (test/tenancy/keys.test.ts)' }],

  // OpenAI: inference
  'POST /v1/chat/completions': [
    ...eachModel((m) => post('/v1/chat/completions', { model: m, messages, max_tokens: 2 })),
    refused((r) => post('/v1/chat/completions', { model: r.model, messages, max_tokens: 2, stream: true })),
  ],

  // OpenAI: webhook endpoints (and selftune's delivery log)
  'GET /v1/webhook_event_types': [{ kind: 'list', request: () => get('/v1/webhook_event_types') }],
  'GET /v1/webhook_endpoints': [
    { kind: 'list', request: () => get('/v1/webhook_endpoints?limit=100') },
    { kind: 'list', request: (r) => get(`/v1/webhook_endpoints?after=${r.webhookEndpointId}`) },
  ],
  'POST /v1/webhook_endpoints': [{ kind: 'deployment', reason: 'creates an endpoint of the caller\'s own project, naming no other record (test/webhooks/endpoints.test.ts)' }],
  'GET /v1/webhook_endpoints/:id': [refused((r) => get(`/v1/webhook_endpoints/${r.webhookEndpointId}`))],
  'POST /v1/webhook_endpoints/:id': [refused((r) => post(`/v1/webhook_endpoints/${r.webhookEndpointId}`, { name: 'taken', url: 'http://127.0.0.1:9/' }))],
  'DELETE /v1/webhook_endpoints/:id': [refused((r) => ({ method: 'DELETE', path: `/v1/webhook_endpoints/${r.webhookEndpointId}` }))],
  'POST /v1/webhook_endpoints/:id/rotate_secret': [refused((r) => post(`/v1/webhook_endpoints/${r.webhookEndpointId}/rotate_secret`))],
  'POST /v1/webhook_endpoints/:id/test': [refused((r) => post(`/v1/webhook_endpoints/${r.webhookEndpointId}/test`, { event_type: 'fine_tuning.job.succeeded' }))],
  'GET /v1/webhook_endpoints/:id/deliveries': [refused((r) => get(`/v1/webhook_endpoints/${r.webhookEndpointId}/deliveries?limit=100`))],

  // Mistral: files (the /content route also takes signed links)
  'GET /mistral/v1/files': [{ kind: 'list', request: () => get('/mistral/v1/files?page_size=100') }, { kind: 'list', request: () => get('/mistral/v1/files?search=train') }],
  'POST /mistral/v1/files': [{ kind: 'upload', dialect: 'mistral' }],
  'GET /mistral/v1/files/:id': eachFile((f) => get(`/mistral/v1/files/${f}`)),
  'DELETE /mistral/v1/files/:id': eachFile((f) => ({ method: 'DELETE', path: `/mistral/v1/files/${f}` })),
  'GET /mistral/v1/files/:id/url': eachFile((f) => get(`/mistral/v1/files/${f}/url`)),
  'GET /mistral/v1/files/:id/content': [
    ...eachFile((f) => get(`/mistral/v1/files/${f}/content`)),
    // The caller's own valid link, pointed at the other project's file: the signature covers the file.
    refused((r, own) => get(`/mistral/v1/files/${r.fileUuid}/content?${own.signedQuery}`), [403]),
    // … or claiming the other project for it.
    refused((r, own) => get(`/mistral/v1/files/${r.fileUuid}/content?${own.signedQuery.replace(/project=[^&]+/, `project=${r.projectId}`)}`), [403]),
  ],

  // Mistral: jobs
  'GET /mistral/v1/fine_tuning/jobs': [
    { kind: 'list', request: () => get('/mistral/v1/fine_tuning/jobs?page_size=100') },
    { kind: 'list', request: () => get('/mistral/v1/fine_tuning/jobs?created_by_me=true') },
    { kind: 'list', request: () => get('/mistral/v1/fine_tuning/jobs?suffix=matrix') },
  ],
  'POST /mistral/v1/fine_tuning/jobs': [
    refused((r) => post('/mistral/v1/fine_tuning/jobs', { model: 'selftune-tiny', training_files: [{ file_id: r.fileUuid, weight: 1 }], hyperparameters: { training_steps: 1 } }), BAD_REFERENCE),
    refused((r) => post('/mistral/v1/fine_tuning/jobs?dry_run=true', { model: 'selftune-tiny', training_files: [{ file_id: r.fileUuid, weight: 1 }], hyperparameters: { training_steps: 1 } }), [...BAD_REFERENCE, ...NOT_FOUND]),
    refused((r, own) => post('/mistral/v1/fine_tuning/jobs', { model: r.model, training_files: [{ file_id: own.fileUuid, weight: 1 }], hyperparameters: { training_steps: 1 } }), BAD_REFERENCE),
  ],
  'GET /mistral/v1/fine_tuning/jobs/:id': eachJob((j) => get(`/mistral/v1/fine_tuning/jobs/${j}`)),
  'POST /mistral/v1/fine_tuning/jobs/:id/cancel': eachJob((j) => post(`/mistral/v1/fine_tuning/jobs/${j}/cancel`)),
  'POST /mistral/v1/fine_tuning/jobs/:id/start': eachJob((j) => post(`/mistral/v1/fine_tuning/jobs/${j}/start`)),

  // Mistral: models
  'GET /mistral/v1/models': [{ kind: 'list', request: () => get('/mistral/v1/models') }],
  'GET /mistral/v1/models/*': eachModel((m) => get(`/mistral/v1/models/${enc(m)}`)),
  'DELETE /mistral/v1/models/*': eachModel((m) => ({ method: 'DELETE', path: `/mistral/v1/models/${enc(m)}` })),
  'PATCH /mistral/v1/fine_tuning/models/*': eachModel((m) => ({ method: 'PATCH', path: `/mistral/v1/fine_tuning/models/${enc(m)}`, body: { name: 'taken' } })),
  'POST /mistral/v1/fine_tuning/models/*': eachModel((m) => post(`/mistral/v1/fine_tuning/models/${enc(m)}/archive`)),
  'DELETE /mistral/v1/fine_tuning/models/*': eachModel((m) => ({ method: 'DELETE', path: `/mistral/v1/fine_tuning/models/${enc(m)}/archive` })),

  // Mistral: inference
  'POST /mistral/v1/chat/completions': eachModel((m) => post('/mistral/v1/chat/completions', { model: m, messages, max_tokens: 2 })),
  'POST /mistral/v1/classifications': eachModel((m) => post('/mistral/v1/classifications', { model: m, input: ['the food was great'] })),
  'POST /mistral/v1/chat/classifications': eachModel((m) => post('/mistral/v1/chat/classifications', { model: m, input: [{ messages }] })),
};

/**
 * Organization administration (the Admin API) is for admin keys of the
 * organization: a project key is refused (403), another organization's admin
 * does not find the project (404). Every such route is probed with the other
 * project's id in each path parameter.
 */
export function organizationProbes(url: string, method: string): Probe[] | undefined {
  if (url === '/v1/organizations') {
    return [{ kind: 'deployment', reason: 'the deployment\'s organizations: the SELFTUNE_ADMIN_KEY holder\'s alone (test/tenancy/admin-api.test.ts)' }];
  }
  if (!url.startsWith('/v1/organization/')) return undefined;
  // The organization's own collections (projects, admin keys): a list shows the caller's organization only; a create makes a record of it.
  if (!url.includes('/:')) {
    return method === 'GET'
      ? [{ kind: 'adminList', request: get(url) }]
      : [{ kind: 'deployment', reason: 'creates a record of the caller\'s own organization, naming nothing of another\'s (test/tenancy/admin-api.test.ts)' }];
  }
  const path = (r: Records) => url.replace(/:project_id\b/, r.projectId).replace(/:[a-z_]+/g, (p) => `${p.slice(1)}_${r.projectId}`);
  return [refused((r) => ({ method, path: path(r), body: method === 'GET' || method === 'DELETE' ? undefined : {} }), ADMIN_ONLY)];
}
