import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalidRequest } from '../../errors/app-error.ts';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { filenameProblem, UPLOAD_PURPOSES } from '../../files/file-record.ts';
import { parseRecordId } from '../../ids/ids.ts';
import { receiveUpload } from '../../server/http/multipart-upload.ts';
import type { AppContext } from '../../server/context.ts';
import { MAX_UPLOAD_TOTAL_BYTES } from '../../uploads/upload-record.ts';
import { toWirePart, toWireUpload } from './upload.mappers.ts';

const createUpload = z.strictObject({
  bytes: z.number().int().min(1).max(MAX_UPLOAD_TOTAL_BYTES),
  filename: z.string().min(1).max(1024),
  mime_type: z.string().min(1).max(255),
  purpose: z.enum(UPLOAD_PURPOSES),
  // The resulting file's expiry, as on POST /files (the upload itself always expires after SELFTUNE_UPLOAD_EXPIRY_SECONDS).
  expires_after: z.strictObject({ anchor: z.literal('created_at'), seconds: z.number().int().min(3600).max(2592000) }).optional(),
});

const completeUpload = z.strictObject({
  part_ids: z.array(z.string().max(100)).min(1).max(10_000),
  md5: z.string().max(64).optional(),
});

type UploadRequest = FastifyRequest<{ Params: { id: string } }>;

const uploadId = (request: UploadRequest) => parseRecordId('upload', request.params.id);

/** OpenAI's Uploads API at /v1/uploads: a file sent in parts (uploads/uploads.service.ts). */
export function openAiUploadsRoutes(app: FastifyInstance, ctx: AppContext) {
  const wire = async (request: FastifyRequest, row: Parameters<typeof toWireUpload>[0]) =>
    toWireUpload(row, ctx.clock.nowMs(), await ctx.uploads.fileOf(request.caller, row));

  app.post('/uploads', async (request) => {
    const body = parseOrThrow(createUpload, request.body);
    const refusal = filenameProblem(body.filename);
    if (refusal) throw invalidRequest(refusal, 'filename', 'invalid_filename');
    const row = await ctx.uploads.create(request.caller, {
      filename: body.filename, purpose: body.purpose, mimeType: body.mime_type, bytes: body.bytes, fileExpiresAfterSeconds: body.expires_after?.seconds,
    });
    return wire(request, row);
  });

  app.post<{ Params: { id: string } }>('/uploads/:id/parts', { config: { maxFileBytes: ctx.config.uploadPartBytes } }, async (request, reply) => {
    let reading = false;
    try {
      const part = await ctx.uploads.addPart(request.caller, uploadId(request), request.params.id, async () => {
        reading = true;
        return (await receiveUpload(request, ctx.stagingPath, ctx.config.uploadPartBytes, 'data')).staged;
      });
      return toWirePart(part);
    } catch (err) {
      closeUnread(reply, reading);
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>('/uploads/:id/complete', async (request) => {
    const body = parseOrThrow(completeUpload, request.body);
    const parts = body.part_ids.map((shownAs) => ({ id: parseRecordId('part', shownAs), shownAs }));
    const { upload, file } = await ctx.uploads.complete(request.caller, uploadId(request), request.params.id, parts, body.md5);
    return toWireUpload(upload, ctx.clock.nowMs(), file);
  });

  app.post<{ Params: { id: string } }>('/uploads/:id/cancel', async (request) => {
    return wire(request, await ctx.uploads.cancel(request.caller, uploadId(request), request.params.id));
  });
}

/** A part refused before its body was read: the connection cannot carry another request, so it is closed rather than read to the end. */
function closeUnread(reply: FastifyReply, reading: boolean): void {
  if (!reading) void reply.header('connection', 'close');
}
