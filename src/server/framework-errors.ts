import type { FastifyError } from 'fastify';
import { isDiskFull } from '../blobs/disk-space.ts';
import { AppError, appError } from '../errors/app-error.ts';
import type { ErrorCode } from '../errors/catalogue.ts';

// Whatever a route or the framework throws becomes an AppError from the
// catalogue, so each dialect renders Fastify's and @fastify/multipart's own
// errors in its envelope, never in Fastify's default shape.

/** Fastify and @fastify/multipart codes, by the catalogue code they mean to a client. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'invalid_url',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_content_type',
  FST_ERR_CTP_INVALID_TYPE: 'invalid_content_type',
  FST_ERR_MAX_PARAM_LENGTH: 'url_too_long',
  FST_FIELDS_LIMIT: 'invalid_multipart',
  FST_FILES_LIMIT: 'invalid_multipart',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'invalid_content_type',
  FST_PARTS_LIMIT: 'invalid_multipart',
  FST_PROTO_VIOLATION: 'invalid_multipart',
  FST_REQ_FILE_TOO_LARGE: 'file_too_large',
  // The client's body stream ended before its end: cut by an upload timeout, or the client went away.
  ERR_STREAM_PREMATURE_CLOSE: 'invalid_multipart',
};

/** The multipart parser (busboy) throws plain Errors for a body cut short or malformed. */
const MALFORMED_MULTIPART = /^(Unexpected end of (form|file)|Part terminated early|Malformed part header|Multipart: Boundary not found|Malformed urlencoded form)/;

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isDiskFull(err)) return appError('disk_full', undefined, null, err);
  const fe = err as FastifyError | undefined;
  const known = fe?.code ? FRAMEWORK_CODES[fe.code] : undefined;
  if (known === 'invalid_json' || fe instanceof SyntaxError) return appError('invalid_json', `We could not parse the JSON body of your request: ${fe!.message}`, null, err);
  if (known) return appError(known, known === 'url_too_long' ? undefined : fe!.message, null, err);
  if (fe instanceof Error && MALFORMED_MULTIPART.test(fe.message)) return appError('invalid_multipart', `The multipart body is malformed: ${fe.message}.`, null, err);
  // Any other error the framework marks as the client's fault.
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return appError('invalid_request', fe.message, null, err);
  return appError('server_error', undefined, null, err);
}
