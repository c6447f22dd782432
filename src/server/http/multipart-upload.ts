import { rm } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import { invalidRequest } from '../../errors/app-error.ts';
import type { FileRow } from '../../db/schema.ts';
import type { FilesService, StagedUpload, UploadOptions } from '../../files/files.service.ts';
import { filenameProblem } from '../../files/file-record.ts';
import { stageUpload } from '../../files/upload-stream.ts';

export interface ReceivedUpload {
  staged: StagedUpload;
  /** The form's text fields, by name. */
  fields: Record<string, string>;
}

/**
 * Reads a multipart upload with exactly one file part named `field` (`file`;
 * an upload's part: `data`), streaming it to the staging area and cutting it
 * at `limitBytes`. The caller owns `staged.path` (and removes it on error).
 */
export async function receiveUpload(request: FastifyRequest, stagingPath: (name: string) => string, limitBytes: number, field = 'file'): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw invalidRequest('Uploads must be sent as multipart/form-data.', field, 'invalid_content_type');
  const fields: Record<string, string> = {};
  let staged: StagedUpload | null = null;
  try {
    for await (const part of request.parts({ limits: { fileSize: limitBytes } })) {
      if (part.type === 'file') {
        if (part.fieldname !== field || staged) {
          part.file.resume();
          throw invalidRequest(`Unexpected file part '${part.fieldname}'; send exactly one part named '${field}'.`, part.fieldname, 'unknown_parameter');
        }
        const refusal = filenameProblem(part.filename);
        if (refusal) {
          part.file.resume();
          throw invalidRequest(refusal, field, 'invalid_filename');
        }
        staged = await stageUpload(part.file, part.filename || 'file', stagingPath, limitBytes, () => part.file.truncated);
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    if (staged) await rm(staged.path, { force: true });
    discardRestOfBody(request);
    throw err;
  }
  if (!staged) throw invalidRequest(`Missing required parameter: '${field}'.`, field, 'missing_required_parameter');
  return { staged, fields };
}

/**
 * Reads and drops what the client is still sending after a refusal: a body
 * left unread would stall the keep-alive connection the client reuses next.
 */
function discardRestOfBody(request: FastifyRequest): void {
  request.raw.unpipe();
  request.raw.resume();
}

/**
 * Receives an upload and stores it as a file; `options` reads the form's text
 * fields (and may throw for bad ones). A refused upload leaves nothing staged.
 */
export async function storeUpload(
  request: FastifyRequest,
  files: FilesService,
  stagingPath: (name: string) => string,
  limitBytes: number,
  options: (fields: Record<string, string>) => UploadOptions,
): Promise<FileRow> {
  const { staged, fields } = await receiveUpload(request, stagingPath, limitBytes);
  try {
    return await files.createFromUpload(request.caller, staged, options(fields));
  } finally {
    await rm(staged.path, { force: true }); // already moved into the store on success
  }
}
