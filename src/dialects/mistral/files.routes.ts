import { pageQuery } from '../../server/http/paging.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import { UPLOAD_PURPOSES } from '../../files/file-record.ts';
import { sendFileContent } from '../../server/http/file-download.ts';
import { storeUpload } from '../../server/http/multipart-upload.ts';
import { unixSeconds } from '../../ids/clock.ts';
import { parseRecordId } from '../../ids/ids.ts';
import { checkUploadQuota } from '../../limits/limits.http.ts';
import type { AppContext } from '../../server/context.ts';
import { toFileOut } from './file.mappers.ts';

const uploadFields = z.strictObject({
  purpose: z.enum(UPLOAD_PURPOSES).default('fine-tune'),
  visibility: z.enum(['workspace', 'user']).default('workspace'),
  /** Hours until the file expires. */
  expiry: z.coerce.number().int().min(1).nullish(),
});

const list = z.preprocess((v) => (v === undefined ? undefined : [v].flat()), z.array(z.string()).optional());
const listQuery = z.object({
  ...pageQuery(100, 10000),
  include_total: z.enum(['true', 'false']).default('true'),
  sample_type: list,
  source: list,
  mimetypes: list,
  search: z.string().optional(),
  purpose: z.string().optional(),
});

const urlQuery = z.object({ expiry: z.coerce.number().int().min(1).max(24 * 365).default(24) });

type FileRequest = FastifyRequest<{ Params: { id: string } }>;

/** A signed download link names its file and carries org, expiry and signature instead of an API key. */
export const isSignedDownload = (request: FastifyRequest) =>
  request.method === 'GET' && /\/files\/[^/]+\/content$/.test(request.url.split('?')[0]!) && 'signature' in (request.query as object);

export function mistralFilesRoutes(app: FastifyInstance, ctx: AppContext) {
  const load = (request: FileRequest) => ctx.files.get(request.caller, parseRecordId('file', request.params.id), request.params.id);

  app.post('/files', async (request, reply) => {
    await checkUploadQuota(ctx.limits, request, reply);
    const file = await storeUpload(request, ctx.files, ctx.stagingPath, ctx.config.maxUploadBytes, (fields) => {
      const parsed = parseOrThrow(uploadFields, fields);
      return { purpose: parsed.purpose, visibility: parsed.visibility, expiresAfterSeconds: parsed.expiry ? parsed.expiry * 3600 : undefined, reuseIdentical: true };
    });
    return toFileOut(file);
  });

  app.get('/files', async (request) => {
    const q = parseOrThrow(listQuery, request.query);
    const { files, total } = await ctx.fileSearch.search({
      tenant: request.caller,
      page: q.page,
      pageSize: q.page_size,
      sampleTypes: q.sample_type,
      sources: q.source,
      mimetypes: q.mimetypes,
      search: q.search,
      purpose: q.purpose,
    });
    return { object: 'list', data: files.map(toFileOut), total: q.include_total === 'true' ? total : null };
  });

  app.get('/files/:id', async (request: FileRequest) => ({ ...toFileOut(await load(request)), deleted: false }));

  app.delete('/files/:id', async (request: FileRequest) => {
    const row = await ctx.files.delete(request.caller, parseRecordId('file', request.params.id), request.params.id);
    return { id: row.id, object: 'file', deleted: true };
  });

  app.get('/files/:id/content', async (request: FileRequest, reply) => {
    const row = await load(request);
    return sendFileContent(reply, ctx.files, row);
  });

  app.get('/files/:id/url', async (request: FileRequest) => {
    const row = await load(request);
    const { expiry } = parseOrThrow(urlQuery, request.query);
    const expiresAt = unixSeconds(ctx.clock.nowMs()) + expiry * 3600;
    // The route's own pattern, not the request's URL or Host: the link must not carry what the client wrote.
    const path = request.routeOptions.url!.replace(/\/url$/, '/content').replace(':id', encodeURIComponent(request.params.id));
    return { url: await ctx.signedUrls.link(path, row.project_id, row.id, expiresAt) };
  });
}
