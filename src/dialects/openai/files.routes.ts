import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { UPLOAD_PURPOSES } from '../../files/file-record.ts';
import { sendFileContent } from '../../server/http/file-download.ts';
import { storeUpload } from '../../server/http/multipart-upload.ts';
import { parseRecordId } from '../../ids/ids.ts';
import { checkUploadQuota } from '../../limits/limits.http.ts';
import type { AppContext } from '../../server/context.ts';
import { toWireFile } from './mappers.ts';
import { cursorPage } from './pagination.ts';

const uploadFields = z.strictObject({
  purpose: z.enum(UPLOAD_PURPOSES),
  'expires_after[anchor]': z.literal('created_at').optional(),
  'expires_after[seconds]': z.coerce.number().int().min(3600).max(2592000).optional(),
});

const listQuery = z.object({
  purpose: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10000).default(10000),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().optional(),
});

export function openAiFilesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/files', async (request, reply) => {
    await checkUploadQuota(ctx.limits, request, reply);
    const file = await storeUpload(request, ctx.files, ctx.stagingPath, ctx.config.maxUploadBytes, (fields) => {
      const parsed = parseOrThrow(uploadFields, fields);
      return { purpose: parsed.purpose, expiresAfterSeconds: parsed['expires_after[seconds]'] };
    });
    return toWireFile(file);
  });

  app.get('/files', async (request) => {
    const q = parseOrThrow(listQuery, request.query);
    const after = q.after ? (parseRecordId('file', q.after) ?? '00000000-0000-0000-0000-000000000000') : undefined;
    const rows = await ctx.files.page({ tenant: request.caller, purpose: q.purpose, limit: q.limit, order: q.order, after });
    return cursorPage(rows, q.limit, toWireFile, true);
  });

  app.get<{ Params: { id: string } }>('/files/:id', async (request) => {
    return toWireFile(await ctx.files.get(request.caller, parseRecordId('file', request.params.id), request.params.id));
  });

  app.delete<{ Params: { id: string } }>('/files/:id', async (request) => {
    const row = await ctx.files.delete(request.caller, parseRecordId('file', request.params.id), request.params.id);
    return { id: toWireFile(row).id, object: 'file', deleted: true };
  });

  app.get<{ Params: { id: string } }>('/files/:id/content', async (request, reply) => {
    const row = await ctx.files.get(request.caller, parseRecordId('file', request.params.id), request.params.id);
    return sendFileContent(reply, ctx.files, row);
  });
}
