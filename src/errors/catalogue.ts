// Every error code the server answers with, in one flat list sorted by code.
// An AppError is made from a code here (a code not listed fails typecheck), so
// its HTTP status and type, and the shape Mistral shows it in, are decided once.
// `mistral: 'detail'` codes are request-field errors: Mistral answers them 422
// `{"detail":[{loc,msg,type}]}` (FastAPI's shape); every other code, and every
// code in the OpenAI dialect, uses the dialect's error envelope. `message` is the
// default text; call sites usually give a message naming the value at fault.
// Keep one entry per line: other changes add codes here, and a flat list merges.

/** The `type` field both dialects show. */
export type ErrorType = 'invalid_request_error' | 'permission_error' | 'payload_too_large_error' | 'server_error' | 'requests' | 'tokens' | 'insufficient_quota';

export interface CatalogueEntry {
  status: number;
  type: ErrorType;
  /** How the Mistral dialect shows it: FastAPI's 422 field list, or the `{object:'error'}` envelope. */
  mistral: 'detail' | 'error';
  message: string;
}

const request = (message: string) => ({ status: 400, type: 'invalid_request_error', mistral: 'error', message }) as const;
const field = (message: string) => ({ status: 400, type: 'invalid_request_error', mistral: 'detail', message }) as const;
const missing = (message: string) => ({ status: 404, type: 'invalid_request_error', mistral: 'error', message }) as const;
const server = (message: string) => ({ status: 500, type: 'server_error', mistral: 'error', message }) as const;

export const ERROR_CATALOGUE = {
  active_jobs_quota_exceeded: { status: 429, type: 'insufficient_quota', mistral: 'error', message: 'The project has as many unfinished fine-tuning jobs as its quota allows.' } as const,
  api_key_not_found: missing('No such API key.'),
  classifier_unavailable: server('The model has no classification head to answer with.'),
  conflicting_hyperparameters: request('Hyperparameters were given in two places that disagree.'),
  context_length_exceeded: request('The messages are longer than the model\'s context.'),
  data_type: request('The line is not a JSON object.'),
  disk_full: { status: 507, type: 'server_error', mistral: 'error', message: 'The server is out of disk space; nothing was stored. Free space on the data directory\'s disk and try again.' } as const,
  empty_file: request('The file is empty.'),
  empty_repository: request('The repository has no text files to train on.'),
  example_missing_assistant_message: request('The example has no assistant message to train on.'),
  external_inference_failed: { status: 502, type: 'server_error', mistral: 'error', message: 'The external inference server failed.' } as const,
  file_in_use: request('The file is used by an unfinished job.'),
  file_not_found: missing('No such File object.'),
  file_not_ready: request('The file is not ready.'),
  file_too_large: { status: 413, type: 'invalid_request_error', mistral: 'error', message: 'The file is larger than the upload limit.' } as const,
  inference_worker_crashed: { status: 503, type: 'server_error', mistral: 'error', message: 'The inference worker crashed while answering; it is being restarted, try again.' } as const,
  inference_worker_failed: server('The inference worker cannot be started.'),
  inference_worker_starting: { status: 503, type: 'server_error', mistral: 'error', message: 'The inference worker is starting; try again shortly.' } as const,
  insufficient_memory: request('The job does not fit in the device\'s memory.'),
  insufficient_permissions: { status: 403, type: 'permission_error', mistral: 'error', message: 'The API key may not do this.' } as const,
  internal_error: server('The server had an error while processing your request.'),
  invalid_api_key: { status: 401, type: 'invalid_request_error', mistral: 'error', message: 'Incorrect API key provided.' } as const,
  invalid_classifier_targets: request('The classifier targets do not match the data.'),
  invalid_content_type: request('The request\'s content type is not accepted here.'),
  invalid_encoding: request('The file is not UTF-8 text.'),
  invalid_file: request('The file id is not valid.'),
  invalid_file_format: request('The file is not in a format that can be trained on.'),
  invalid_file_purpose: request('The file\'s purpose does not fit this use.'),
  invalid_filename: field('The filename contains control characters.'),
  invalid_job_status: request('The job cannot do that in its current status.'),
  invalid_json: request('The request body is not valid JSON.'),
  invalid_jsonl: request('A line of the file is not a JSON object.'),
  invalid_labels: request('The example\'s labels are not valid.'),
  invalid_model_id: request('The model id is not a valid Hugging Face id.'),
  invalid_multipart: request('The multipart body is malformed or was cut short.'),
  invalid_n_examples: request('The file has too few examples.'),
  invalid_output: request('The example\'s output is not valid.'),
  invalid_part_ids: request('A part id does not name a part of the upload, or is listed twice.'),
  invalid_request: request('The request is not valid.'),
  invalid_runner_token: { status: 401, type: 'invalid_request_error', mistral: 'error', message: 'The runner token is not valid for this job (or the job has moved on).' } as const,
  invalid_signature: { status: 403, type: 'permission_error', mistral: 'error', message: 'The signed URL is invalid or has expired.' } as const,
  invalid_type: field('The value has the wrong type.'),
  invalid_upload_status: request('The upload cannot do that in its current status.'),
  invalid_url: request('The URL is malformed (bad percent-encoding).'),
  invalid_value: field('The value is not valid.'),
  invalid_weight: request('The message weight must be 0 or 1.'),
  job_not_found: missing('No such fine-tuning job.'),
  line_too_long: request('The line is longer than the line limit.'),
  message_missing_key: request('A message is missing a required key.'),
  message_unrecognized_key: request('A message has a key that is not recognized.'),
  method_data_mismatch: request('The example is data for another fine-tuning method (preference pairs train with dpo, examples with supervised).'),
  missing_api_key: { status: 401, type: 'invalid_request_error', mistral: 'error', message: 'No API key was provided.' } as const,
  missing_content: request('The content must not be empty.'),
  missing_key: request('The example is missing a required key.'),
  missing_messages_list: request('The example has no list of messages.'),
  missing_required_parameter: field('A required parameter is missing.'),
  mixed_formats: request('The line\'s format differs from the file\'s first line.'),
  model_load_failed: server('The inference worker could not load the model.'),
  model_not_available: request('The model is not available for fine-tuning or does not exist.'),
  model_not_deletable: request('Base models cannot be deleted through the API.'),
  model_not_editable: request('Only fine-tuned models can be changed.'),
  model_not_exportable: request('The model cannot be exported that way.'),
  model_not_found: missing('The model does not exist or you do not have access to it.'),
  model_not_ready: missing('The model is not ready yet: its job has not succeeded.'),
  model_not_supported: request('The model does not support this endpoint.'),
  model_shared_read_only: { status: 403, type: 'permission_error', mistral: 'error', message: 'The model is shared with this project by another project of the organization: it may be used, not changed or deleted.' } as const,
  nested_too_deep: request('The line nests objects and arrays deeper than the limit.'),
  no_trainable_messages: request('The example has no message with weight 1.'),
  object_above_max_properties: field('The object has too many properties.'),
  project_archived: request('The project is archived: it cannot be changed or given keys.'),
  project_is_default: request('The organization\'s default project cannot be archived.'),
  project_mismatch: { status: 401, type: 'invalid_request_error', mistral: 'error', message: 'The OpenAI-Project header does not match the project of the API key.' } as const,
  project_not_found: missing('No such project.'),
  pull_not_found: missing('No such model pull.'),
  rate_limit_exceeded: { status: 429, type: 'requests', mistral: 'error', message: 'Rate limit reached; try again after the time in retry-after.' } as const,
  rate_limit_not_found: missing('No such rate limit.'),
  repository_unavailable: request('The repository could not be cloned.'),
  request_too_large: { status: 413, type: 'payload_too_large_error', mistral: 'error', message: 'The request body is larger than the server accepts.' } as const,
  run_not_here: { status: 409, type: 'invalid_request_error', mistral: 'error', message: 'This server holds no run of the job for this runner any more.' } as const,
  server_error: server('The server had an error while processing your request.'),
  service_account_not_found: missing('No such service account.'),
  storage_quota_exceeded: { status: 429, type: 'insufficient_quota', mistral: 'error', message: 'The upload would take the project past its storage quota.' } as const,
  string_above_max_length: field('The string is too long.'),
  string_below_min_length: field('The string is too short.'),
  trainer_tool_failed: server('The trainer tool failed.'),
  unknown_parameter: field('Unrecognized request argument supplied.'),
  unknown_url: missing('Invalid URL.'),
  unrecognized_key: request('The example has a key that is not recognized.'),
  unrecognized_role: request('The message role is not recognized.'),
  unsupported_method: request('The fine-tuning method is not supported.'),
  upload_bytes_mismatch: request('The parts do not add up to the bytes the upload was created with.'),
  upload_checksum_mismatch: request('The md5 of the parts does not match the md5 given.'),
  upload_not_found: missing('No such Upload object.'),
  upload_too_large: request('The part would take the upload past the bytes it was created with.'),
  url_too_long: { status: 414, type: 'invalid_request_error', mistral: 'error', message: 'A path parameter of the URL is too long.' } as const,
  value_above_maximum: field('The value is above the maximum.'),
  value_below_minimum: field('The value is below the minimum.'),
  value_error: field('The request is not valid.'),
  webhook_endpoint_not_found: missing('No such webhook endpoint.'),
  webhook_endpoint_unreachable: request('The webhook endpoint could not be reached.'),
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Codes whose catalogue status is `S` (lets a helper like `notFound` accept only 404 codes). */
export type CodeWithStatus<S extends number> = { [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C]['status'] extends S ? C : never }[ErrorCode];

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
