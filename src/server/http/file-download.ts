import { create as contentDisposition } from 'content-disposition';
import type { FastifyReply } from 'fastify';
import type { FileRow } from '../../db/schema.ts';
import type { FilesService } from '../../files/files.service.ts';

/**
 * Sends a stored file as an attachment. The name goes out as RFC 6266
 * `filename` (an ASCII fallback) plus RFC 5987 `filename*` (the UTF-8 name), so
 * any name is a valid header; the length is the stored blob's own size.
 */
export async function sendFileContent(reply: FastifyReply, files: FilesService, row: FileRow) {
  const bytes = await files.contentBytes(row);
  return reply
    .type('application/octet-stream')
    .header('content-length', bytes)
    .header('content-disposition', contentDisposition(row.filename))
    .send(await files.openContent(row));
}
